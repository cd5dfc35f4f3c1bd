#include "nabla/core/tensor.hpp"

#include <cmath>
#include <cstring>
#include <iomanip>
#include <sstream>

#include "nabla/core/checked.hpp"
#include "nabla/core/parallel.hpp"

namespace nabla {

std::string shape_str(const std::vector<int64_t>& shape) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << ']';
  return os.str();
}

namespace detail {
bool& grad_mode_flag() {
  thread_local bool on = true;
  return on;
}
}  // namespace detail

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (auto d : s) {
    NABLA_CHECK(d >= 0, "Tensor", "sizes must be non-negative, got shape ", shape_str(s));
    // A zero anywhere makes the product 0 however large the rest is (PyTorch agrees), so the
    // overflow check must not fire on a product that a later 0 would cancel.
    if (__builtin_mul_overflow(n, d, &n)) {
      for (auto e : s)
        if (e == 0) return 0;
      detail::throw_error("Tensor", "shape ", shape_str(s), " has more elements than fit in int64");
    }
  }
  return n;
}

Shape contiguous_strides(const Shape& s) {
  Shape st(s.size());
  int64_t acc = 1;
  for (int64_t i = static_cast<int64_t>(s.size()) - 1; i >= 0; --i) {
    st[i] = acc;
    // Only a shape with a 0 somewhere can get here with a product past int64 (shape_numel
    // refuses the rest); its strides are never used to address memory, so wrapping is harmless
    // (and defined, unlike a plain signed multiply).
    __builtin_mul_overflow(acc, s[i], &acc);
  }
  return st;
}

namespace {
void check_shape(const Shape& shape, const char* op) {
  for (auto d : shape)
    NABLA_CHECK(d >= 0, op, "sizes must be non-negative, got shape ", shape_str(shape));
}

template <class F>
void fill_with(Tensor& t, F&& f) {
  NABLA_DISPATCH(t.dtype(), T, [&] {
    T* p = t.data<T>();
    for_each_offset(t.shape(), t.strides(), [&](int64_t off) { p[off] = static_cast<T>(f()); });
  });
}
}  // namespace

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  check_shape(shape, "Tensor::empty");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(
      checked_nbytes(shape_numel(shape), dtype_size(dtype), "Tensor::empty"));
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  std::memset(t.raw_data(), 0, t.numel() * dtype_size(dtype));
  return t;
}

Tensor Tensor::ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }

Tensor Tensor::full(const Shape& shape, double value, DType dtype) {
  Tensor t = empty(shape, dtype);
  t.fill_(value);
  return t;
}

Tensor Tensor::scalar(double value, DType dtype) { return full({}, value, dtype); }

Tensor Tensor::arange(double start, double end, double step, DType dtype) {
  NABLA_CHECK(step != 0, "arange", "step must be non-zero");
  const double n = std::ceil((end - start) / step);
  NABLA_CHECK(std::isfinite(start) && std::isfinite(end) && n < 0x1p63, "arange",
              "cannot make a range from ", start, " to ", end, " in steps of ", step,
              " (bounds must be finite and the length must fit in int64)");
  Tensor t = empty({n > 0 ? static_cast<int64_t>(n) : 0}, dtype);
  int64_t i = 0;
  fill_with(t, [&] { return start + step * static_cast<double>(i++); });
  return t;
}

Tensor Tensor::rand(const Shape& shape, DType dtype, Generator* gen) {
  Tensor t = empty(shape, dtype);
  return t.uniform_(0, 1, gen);
}

Tensor Tensor::randn(const Shape& shape, DType dtype, Generator* gen) {
  Tensor t = empty(shape, dtype);
  return t.normal_(0, 1, gen);
}

Tensor Tensor::randint(int64_t low, int64_t high, const Shape& shape, Generator* gen) {
  NABLA_CHECK(high > low, "randint", "need high > low, got low=", low, " high=", high);
  const int64_t range = checked_sub(high, low, "randint", "the range high - low");
  Generator& g = gen ? *gen : default_generator();
  Tensor t = empty(shape, DType::Int64);
  fill_with(t, [&] { return static_cast<double>(low + static_cast<int64_t>(g.below(range))); });
  return t;
}

Tensor Tensor::from_buffer(const void* data, const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  if (t.numel() > 0) std::memcpy(t.raw_data(), data, t.numel() * dtype_size(dtype));
  return t;
}

namespace {
template <class T>
Tensor from_vec(const std::vector<T>& v, const Shape& shape) {
  NABLA_CHECK(static_cast<int64_t>(v.size()) == shape_numel(shape), "Tensor::from_vector", "shape ",
              shape_str(shape), " needs ", shape_numel(shape), " values, got ", v.size());
  return Tensor::from_buffer(v.data(), shape, DTypeOf<T>::value);
}
}  // namespace

Tensor Tensor::from_vector(const std::vector<float>& v, const Shape& s) { return from_vec(v, s); }
Tensor Tensor::from_vector(const std::vector<double>& v, const Shape& s) { return from_vec(v, s); }
Tensor Tensor::from_vector(const std::vector<int64_t>& v, const Shape& s) { return from_vec(v, s); }
Tensor Tensor::empty_like(const Tensor& t) { return empty(t.shape(), t.dtype()); }
Tensor Tensor::zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype()); }
Tensor Tensor::ones_like(const Tensor& t) { return ones(t.shape(), t.dtype()); }

int64_t Tensor::wrap_dim(int64_t d, const char* op) const {
  const int64_t n = dim();
  const int64_t lo = n == 0 ? -1 : -n, hi = n == 0 ? 0 : n - 1;
  NABLA_CHECK(d >= lo && d <= hi, op, "dimension ", d, " out of range for a ", n,
              "-d tensor of shape ", shape_str(shape()), " (expected in [", lo, ", ", hi, "])");
  return d < 0 ? d + (n == 0 ? 1 : n) : d;
}

int64_t Tensor::size(int64_t d) const { return impl_->shape[wrap_dim(d, "Tensor::size")]; }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (int64_t i = dim() - 1; i >= 0; --i) {
    if (impl_->shape[i] == 1) continue;
    if (impl_->strides[i] != expected) return false;
    expected *= impl_->shape[i];
  }
  return true;
}

double Tensor::item() const {
  NABLA_CHECK(defined(), "Tensor::item", "tensor is undefined");
  NABLA_CHECK(numel() == 1, "Tensor::item", "needs a one-element tensor, got shape ",
              shape_str(shape()));
  return NABLA_DISPATCH(dtype(), T, [&] { return static_cast<double>(*data<T>()); });
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  std::vector<T> out;
  out.reserve(numel());
  NABLA_DISPATCH(dtype(), S, [&] {
    const S* p = data<S>();
    for_each_offset(shape(), strides(),
                    [&](int64_t off) { out.push_back(static_cast<T>(p[off])); });
  });
  return out;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;

double Tensor::at(const std::vector<int64_t>& index) const {
  NABLA_CHECK(static_cast<int64_t>(index.size()) == dim(), "Tensor::at", "needs ", dim(),
              " indices, got ", index.size());
  int64_t off = 0;
  for (int64_t i = 0; i < dim(); ++i) {
    NABLA_CHECK(index[i] >= 0 && index[i] < impl_->shape[i], "Tensor::at", "index ", index[i],
                " out of range for dim ", i, " of size ", impl_->shape[i]);
    off += index[i] * impl_->strides[i];
  }
  return NABLA_DISPATCH(dtype(), T, [&] { return static_cast<double>(data<T>()[off]); });
}

Tensor Tensor::as_strided(const Shape& shape, const Shape& strides, int64_t offset) const {
  NABLA_ASSERT(shape.size() == strides.size());
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = impl_->storage;
  impl->offset = offset;
  impl->shape = shape;
  impl->strides = strides;
  impl->dtype = impl_->dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::clone_data() const {
  Tensor out = empty(shape(), dtype());
  out.copy_(*this);
  return out;
}

namespace {
void check_inplace(const Tensor& t, const char* op) {
  NABLA_CHECK(t.defined(), op, "tensor is undefined");
  NABLA_CHECK(!(t.requires_grad() && detail::grad_mode_flag()), op,
              "in-place update of a tensor that requires grad while grad mode is on; wrap it in "
              "autograd::NoGradGuard or use detach()");
}
}  // namespace

Tensor& Tensor::fill_(double value) {
  check_inplace(*this, "fill_");
  NABLA_DISPATCH(dtype(), T, [&] {
    T* p = data<T>();
    const T v = static_cast<T>(value);
    if (is_contiguous()) {
      std::fill(p, p + numel(), v);
    } else {
      for_each_offset(shape(), strides(), [&](int64_t off) { p[off] = v; });
    }
  });
  return *this;
}

// Strides that broadcast `src` against `dst_shape` (0 where src has size 1 or a missing dim).
static Shape broadcast_strides(const Tensor& src, const Shape& dst_shape, const char* op) {
  const int64_t nd = dst_shape.size(), ns = src.dim();
  NABLA_CHECK(ns <= nd, op, "cannot broadcast shape ", shape_str(src.shape()), " to ",
              shape_str(dst_shape));
  Shape st(nd, 0);
  for (int64_t i = 0; i < ns; ++i) {
    const int64_t di = nd - ns + i;
    const int64_t s = src.shape()[i];
    NABLA_CHECK(s == dst_shape[di] || s == 1, op, "cannot broadcast shape ", shape_str(src.shape()),
                " to ", shape_str(dst_shape));
    st[di] = s == 1 ? 0 : src.strides()[i];
  }
  return st;
}

// Walks a shape row by row (rows = the last dim) for a destination and a source layout:
// fn(dst_offset, src_offset, row_length, dst_row_stride, src_row_stride). Replaces an
// element-by-element index walk, so the inner loop of a copy or an add is a plain strided loop.
template <class F>
static void for_each_row2(const Shape& shape, const Shape& ds, const Shape& ss, F&& fn) {
  const int64_t nd = static_cast<int64_t>(shape.size());
  const int64_t total = shape_numel(shape);
  if (total == 0) return;
  if (nd == 0) {
    fn(0, 0, 1, 0, 0);
    return;
  }
  const int64_t inner = shape[nd - 1];
  const int64_t rows = total / inner;
  std::vector<int64_t> idx(nd, 0);
  int64_t od = 0, os = 0;
  for (int64_t r = 0; r < rows; ++r) {
    fn(od, os, inner, ds[nd - 1], ss[nd - 1]);
    for (int64_t d = nd - 2; d >= 0; --d) {
      if (++idx[d] < shape[d]) {
        od += ds[d];
        os += ss[d];
        break;
      }
      od -= ds[d] * (shape[d] - 1);
      os -= ss[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_inplace(*this, "copy_");
  NABLA_CHECK(src.defined(), "copy_", "source tensor is undefined");
  if (src.shape() == shape() && src.dtype() == dtype() && src.is_contiguous() && is_contiguous()) {
    std::memmove(raw_data(), src.raw_data(), numel() * dtype_size(dtype()));
    return *this;
  }
  const Shape sst = broadcast_strides(src, shape(), "copy_");
  NABLA_DISPATCH(dtype(), D, [&] {
    NABLA_DISPATCH(src.dtype(), S, [&] {
      D* d = data<D>();
      const S* s = src.data<S>();
      for_each_row2(shape(), strides(), sst,
                    [&](int64_t od, int64_t os, int64_t n, int64_t sd, int64_t ss) {
                      D* dr = d + od;
                      const S* sr = s + os;
                      if (sd == 1 && ss == 1) {
                        for (int64_t j = 0; j < n; ++j) dr[j] = static_cast<D>(sr[j]);
                      } else if (sd == 1 && ss == 0) {
                        const D v = static_cast<D>(*sr);
                        for (int64_t j = 0; j < n; ++j) dr[j] = v;
                      } else {
                        for (int64_t j = 0; j < n; ++j) dr[j * sd] = static_cast<D>(sr[j * ss]);
                      }
                    });
    });
  });
  return *this;
}

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  check_inplace(*this, "add_");
  NABLA_CHECK(other.dtype() == dtype(), "add_", "dtype mismatch: ", dtype_name(dtype()), " vs ",
              dtype_name(other.dtype()));
  if (other.shape() == shape() && other.is_contiguous() && is_contiguous()) {
    NABLA_DISPATCH(dtype(), T, [&] {
      T* d = data<T>();
      const T* s = other.data<T>();
      const T a = static_cast<T>(alpha);
      const int64_t n = numel();
      parallel_for(0, n, 1 << 16, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) d[i] += a * s[i];
      });
    });
    return *this;
  }
  // General layout: walk this tensor's rows alongside other's broadcast strides (a bias
  // expanded over a batch is a stride-0 source: each row is one vectorised add).
  const Shape ost = broadcast_strides(other, shape(), "add_");
  NABLA_DISPATCH(dtype(), T, [&] {
    T* d = data<T>();
    const T* s = other.data<T>();
    const T a = static_cast<T>(alpha);
    for_each_row2(shape(), strides(), ost,
                  [&](int64_t od, int64_t os, int64_t n, int64_t sd, int64_t ss) {
                    T* dr = d + od;
                    const T* sr = s + os;
                    if (sd == 1 && ss == 1) {
                      for (int64_t j = 0; j < n; ++j) dr[j] += a * sr[j];
                    } else if (sd == 1 && ss == 0) {
                      const T v = a * *sr;
                      for (int64_t j = 0; j < n; ++j) dr[j] += v;
                    } else {
                      for (int64_t j = 0; j < n; ++j) dr[j * sd] += a * sr[j * ss];
                    }
                  });
  });
  return *this;
}

Tensor& Tensor::mul_(double s) {
  check_inplace(*this, "mul_");
  NABLA_DISPATCH(dtype(), T, [&] {
    T* p = data<T>();
    if (is_contiguous()) {
      const int64_t n = numel();
      for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(p[i] * s);
      return;
    }
    for_each_offset(shape(), strides(), [&](int64_t off) { p[off] = static_cast<T>(p[off] * s); });
  });
  return *this;
}

Tensor& Tensor::uniform_(double low, double high, Generator* gen) {
  check_inplace(*this, "uniform_");
  Generator& g = gen ? *gen : default_generator();
  fill_with(*this, [&] { return low + (high - low) * g.uniform(); });
  return *this;
}

Tensor& Tensor::normal_(double mean, double std, Generator* gen) {
  check_inplace(*this, "normal_");
  Generator& g = gen ? *gen : default_generator();
  fill_with(*this, [&] { return mean + std * g.normal(); });
  return *this;
}

Tensor& Tensor::set_requires_grad(bool r) {
  NABLA_CHECK(!r || is_floating(dtype()), "set_requires_grad",
              "only float tensors can require grad, got ", dtype_name(dtype()));
  NABLA_CHECK(r || is_leaf(), "set_requires_grad",
              "cannot turn off requires_grad on a non-leaf tensor; use detach()");
  impl_->requires_grad = r;
  return *this;
}

Tensor Tensor::grad() const { return impl_->grad ? Tensor(impl_->grad) : Tensor(); }

void Tensor::set_grad(const Tensor& g) {
  if (!g.defined()) {
    impl_->grad.reset();
    return;
  }
  NABLA_CHECK(g.shape() == shape(), "set_grad", "gradient shape ", shape_str(g.shape()),
              " does not match tensor shape ", shape_str(shape()));
  impl_->grad = g.impl_ptr();
}

void Tensor::zero_grad() { impl_->grad.reset(); }

void Tensor::retain_grad() {
  NABLA_CHECK(requires_grad(), "retain_grad", "tensor does not require grad");
  impl_->retains_grad = true;
}

Tensor Tensor::detach() const {
  Tensor t = as_strided(shape(), strides(), offset());
  return t;
}

std::string to_string(const Tensor& t, int64_t max_per_dim) {
  std::ostringstream os;
  if (!t.defined()) return "Tensor(undefined)";
  os << "Tensor(shape=" << shape_str(t.shape()) << ", dtype=" << dtype_name(t.dtype());
  if (t.requires_grad()) os << ", requires_grad";
  os << ")\n";
  os << std::setprecision(5);
  std::vector<int64_t> idx;
  std::function<void(int64_t)> rec = [&](int64_t d) {
    if (d == t.dim()) {
      os << t.at(idx);
      return;
    }
    os << '[';
    const int64_t n = t.shape()[d];
    for (int64_t i = 0; i < n; ++i) {
      if (n > max_per_dim && i == max_per_dim / 2) {
        os << "..., ";
        i = n - max_per_dim / 2;
      }
      idx.push_back(i);
      rec(d + 1);
      idx.pop_back();
      if (i + 1 < n) os << (d + 1 == t.dim() ? ", " : ",\n");
    }
    os << ']';
  };
  rec(0);
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << to_string(t); }

}  // namespace nabla
