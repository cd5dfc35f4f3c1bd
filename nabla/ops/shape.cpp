#include "nabla/ops/shape.hpp"

#include <algorithm>
#include <cstring>

#include "nabla/autograd/node.hpp"
#include "nabla/core/checked.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"

namespace nabla {
namespace {

Shape infer_shape(const Tensor& a, Shape shape, const char* op) {
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      NABLA_CHECK(infer < 0, op, "only one dimension can be -1, got ", shape_str(shape));
      infer = i;
    } else {
      NABLA_CHECK(shape[i] >= 0, op, "invalid size in ", shape_str(shape));
      known = checked_mul(known, shape[i], op, "the product of the sizes");
    }
  }
  if (infer >= 0) {
    NABLA_CHECK(known != 0 && a.numel() % known == 0, op, "cannot reshape tensor of shape ",
                shape_str(a.shape()), " (", a.numel(), " elements) into ", shape_str(shape));
    shape[infer] = a.numel() / known;
  }
  NABLA_CHECK(shape_numel(shape) == a.numel(), op, "cannot reshape tensor of shape ",
              shape_str(a.shape()), " (", a.numel(), " elements) into ", shape_str(shape), " (",
              shape_numel(shape), " elements)");
  return shape;
}

// Strides for viewing `a` as `shape` without copying, or empty if impossible
// (same algorithm as PyTorch's computeStride: split/merge runs of contiguous dims).
bool view_strides(const Tensor& a, const Shape& shape, Shape& out) {
  out.assign(shape.size(), 1);
  if (a.numel() == 0 || a.dim() == 0) {
    out = contiguous_strides(shape);
    return true;
  }
  const Shape& os = a.shape();
  const Shape& ost = a.strides();
  int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunk_base = ost.empty() ? 1 : ost.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t td = static_cast<int64_t>(os.size()) - 1; td >= 0; --td) {
    tensor_numel *= os[td];
    if (td == 0 || (os[td - 1] != 1 && ost[td - 1] != tensor_numel * chunk_base)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return false;
      if (td > 0) {
        chunk_base = ost[td - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  return view_d == -1;
}

Tensor make_view(const Tensor& a, const Shape& shape, const Shape& strides, int64_t offset,
                 const char* op, autograd::BackwardFn bw) {
  Tensor out = a.as_strided(shape, strides, offset);
  return autograd::record(op, out, {a}, std::move(bw));
}

}  // namespace

Tensor view(const Tensor& a, const Shape& shape_in) {
  Shape shape = infer_shape(a, shape_in, "view");
  Shape st;
  NABLA_CHECK(view_strides(a, shape, st), "view", "cannot view a tensor of shape ",
              shape_str(a.shape()), " with strides ", shape_str(a.strides()), " as ",
              shape_str(shape), "; use reshape() (which copies)");
  return make_view(a, shape, st, a.offset(), "view",
                   [s = a.shape()](const Tensor& g) { return std::vector<Tensor>{g.reshape(s)}; });
}

Tensor reshape(const Tensor& a, const Shape& shape_in) {
  Shape shape = infer_shape(a, shape_in, "reshape");
  Shape st;
  if (view_strides(a, shape, st)) return view(a, shape);
  return view(contiguous(a), shape);
}

Tensor permute(const Tensor& a, const std::vector<int64_t>& dims) {
  NABLA_CHECK(static_cast<int64_t>(dims.size()) == a.dim(), "permute", "expected ", a.dim(),
              " dims, got ", dims.size());
  Shape sh(a.dim()), st(a.dim());
  std::vector<int64_t> inv(a.dim(), -1);
  for (int64_t i = 0; i < a.dim(); ++i) {
    const int64_t d = a.wrap_dim(dims[i], "permute");
    NABLA_CHECK(inv[d] < 0, "permute", "dimension ", dims[i], " repeated in ", shape_str(dims));
    inv[d] = i;
    sh[i] = a.shape()[d];
    st[i] = a.strides()[d];
  }
  return make_view(a, sh, st, a.offset(), "permute",
                   [inv](const Tensor& g) { return std::vector<Tensor>{g.permute(inv)}; });
}

Tensor transpose(const Tensor& a, int64_t d0, int64_t d1) {
  if (a.dim() == 0) return view(a, {});
  std::vector<int64_t> dims(a.dim());
  for (int64_t i = 0; i < a.dim(); ++i) dims[i] = i;
  std::swap(dims[a.wrap_dim(d0, "transpose")], dims[a.wrap_dim(d1, "transpose")]);
  return permute(a, dims);
}

Tensor slice(const Tensor& a, int64_t dim, int64_t start, int64_t end, int64_t step) {
  const int64_t d = a.wrap_dim(dim, "slice");
  NABLA_CHECK(step > 0, "slice", "step must be positive, got ", step);
  const int64_t n = a.shape()[d];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape sh = a.shape(), st = a.strides();
  // ceil((end - start) / step) without forming end - start + step - 1, which overflows for a huge
  // step; a dim of size <= 1 keeps its stride (step * stride could overflow and is never used)
  sh[d] = end == start ? 0 : (end - start - 1) / step + 1;
  if (sh[d] > 1) st[d] *= step;
  return make_view(a, sh, st, a.offset() + start * a.strides()[d], "slice",
                   [shape = a.shape(), dt = a.dtype(), d, start, end, step](const Tensor& g) {
                     Tensor gi = Tensor::zeros(shape, dt);
                     Shape st2 = gi.strides();
                     Shape sh2 = shape;
                     sh2[d] = end == start ? 0 : (end - start - 1) / step + 1;
                     if (sh2[d] > 1) st2[d] *= step;
                     gi.as_strided(sh2, st2, start * gi.strides()[d]).copy_(g);
                     return std::vector<Tensor>{gi};
                   });
}

Tensor narrow(const Tensor& a, int64_t dim, int64_t start, int64_t length) {
  const int64_t d = a.wrap_dim(dim, "narrow");
  NABLA_CHECK(start >= 0 && length >= 0 && start <= a.shape()[d] && length <= a.shape()[d] - start,
              "narrow", "range of length ", length, " from ", start, " out of bounds for dim ", d,
              " of size ", a.shape()[d]);
  return slice(a, d, start, start + length);
}

Tensor select(const Tensor& a, int64_t dim, int64_t index) {
  const int64_t d = a.wrap_dim(dim, "select");
  const int64_t n = a.shape()[d];
  NABLA_CHECK(index >= -n && index < n, "select", "index ", index, " out of range for dim ", d,
              " of size ", n);
  if (index < 0) index += n;
  return squeeze(slice(a, d, index, index + 1), d);
}

Tensor expand(const Tensor& a, const Shape& shape_in) {
  const int64_t nd = shape_in.size(), na = a.dim();
  NABLA_CHECK(nd >= na, "expand", "cannot expand shape ", shape_str(a.shape()), " to ",
              shape_str(shape_in), " (fewer dims)");
  Shape sh(nd), st(nd, 0);
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t ai = i - (nd - na);
    const int64_t want = shape_in[i];
    if (ai < 0) {
      NABLA_CHECK(want >= 0, "expand", "-1 not allowed for new leading dims in ",
                  shape_str(shape_in));
      sh[i] = want;
      continue;
    }
    const int64_t have = a.shape()[ai];
    sh[i] = want == -1 ? have : want;
    NABLA_CHECK(have == sh[i] || have == 1, "expand", "cannot expand shape ", shape_str(a.shape()),
                " to ", shape_str(shape_in), " (dim ", i, ": ", have, " vs ", want, ")");
    st[i] = have == sh[i] ? a.strides()[ai] : 0;
    if (have == 1 && sh[i] != 1) st[i] = 0;
  }
  shape_numel(sh);  // an expanded view is free, but its element count must still fit in int64
  return make_view(a, sh, st, a.offset(), "expand",
                   [s = a.shape()](const Tensor& g) { return std::vector<Tensor>{sum_to(g, s)}; });
}

Tensor squeeze(const Tensor& a, int64_t dim) {
  if (a.dim() == 0) return view(a, {});
  const int64_t d = a.wrap_dim(dim, "squeeze");
  if (a.shape()[d] != 1) return view(a, a.shape());
  Shape sh = a.shape(), st = a.strides();
  sh.erase(sh.begin() + d);
  st.erase(st.begin() + d);
  return make_view(a, sh, st, a.offset(), "squeeze",
                   [s = a.shape()](const Tensor& g) { return std::vector<Tensor>{g.reshape(s)}; });
}

Tensor squeeze(const Tensor& a) {
  Shape sh;
  for (auto s : a.shape())
    if (s != 1) sh.push_back(s);
  return reshape(a, sh);
}

Tensor unsqueeze(const Tensor& a, int64_t dim) {
  const int64_t nd = a.dim() + 1;
  NABLA_CHECK(dim >= -nd && dim < nd, "unsqueeze", "dim ", dim, " out of range for a ", a.dim(),
              "-d tensor");
  const int64_t d = dim < 0 ? dim + nd : dim;
  Shape sh = a.shape(), st = a.strides();
  const int64_t stride = d < a.dim() ? a.strides()[d] * a.shape()[d] : 1;
  sh.insert(sh.begin() + d, 1);
  st.insert(st.begin() + d, stride);
  return make_view(a, sh, st, a.offset(), "unsqueeze",
                   [s = a.shape()](const Tensor& g) { return std::vector<Tensor>{g.reshape(s)}; });
}

Tensor flatten(const Tensor& a, int64_t start_dim, int64_t end_dim) {
  if (a.dim() == 0) return reshape(a, {1});
  const int64_t s = a.wrap_dim(start_dim, "flatten"), e = a.wrap_dim(end_dim, "flatten");
  NABLA_CHECK(s <= e, "flatten", "start_dim ", start_dim, " must not come after end_dim ", end_dim);
  Shape sh;
  for (int64_t i = 0; i < s; ++i) sh.push_back(a.shape()[i]);
  int64_t m = 1;
  for (int64_t i = s; i <= e; ++i) m *= a.shape()[i];
  sh.push_back(m);
  for (int64_t i = e + 1; i < a.dim(); ++i) sh.push_back(a.shape()[i]);
  return reshape(a, sh);
}

Tensor contiguous(const Tensor& a) {
  if (a.is_contiguous()) return a;
  return clone(a);
}

Tensor clone(const Tensor& a) {
  Tensor out = a.clone_data();
  return autograd::record("clone", out, {a},
                          [](const Tensor& g) { return std::vector<Tensor>{g}; });
}

Tensor to_dtype(const Tensor& a, DType dtype) {
  if (a.dtype() == dtype) return a;
  Tensor out = Tensor::empty(a.shape(), dtype);
  out.copy_(a);
  if (!is_floating(dtype)) return out;
  return autograd::record("to", out, {a}, [dt = a.dtype()](const Tensor& g) {
    return std::vector<Tensor>{to_dtype(g, dt)};
  });
}

Tensor cat(const std::vector<Tensor>& ts, int64_t dim) {
  NABLA_CHECK(!ts.empty(), "cat", "needs at least one tensor");
  const Tensor& f = ts[0];
  const int64_t d = f.wrap_dim(dim, "cat");
  Shape sh = f.shape();
  sh[d] = 0;
  for (size_t i = 0; i < ts.size(); ++i) {
    const Tensor& t = ts[i];
    NABLA_CHECK(t.dim() == f.dim() && t.dtype() == f.dtype(), "cat", "tensor ", i, " has shape ",
                shape_str(t.shape()), " ", dtype_name(t.dtype()), ", expected rank ", f.dim(), " ",
                dtype_name(f.dtype()));
    for (int64_t k = 0; k < f.dim(); ++k)
      NABLA_CHECK(k == d || t.shape()[k] == f.shape()[k], "cat", "tensor ", i, " has shape ",
                  shape_str(t.shape()), ", expected ", shape_str(f.shape()), " except in dim ", d);
    sh[d] = checked_add(sh[d], t.shape()[d], "cat", "the concatenated size");
  }
  Tensor out = Tensor::empty(sh, f.dtype());
  std::vector<int64_t> sizes;
  int64_t at = 0;
  for (const Tensor& t : ts) {
    Shape s2 = sh;
    s2[d] = t.shape()[d];
    out.as_strided(s2, out.strides(), at * out.strides()[d]).copy_(t);
    sizes.push_back(t.shape()[d]);
    at += t.shape()[d];
  }
  return autograd::record("cat", out, ts, [sizes, d](const Tensor& g) {
    std::vector<Tensor> gs;
    int64_t at = 0;
    for (int64_t s : sizes) {
      gs.push_back(g.slice(d, at, at + s).contiguous());
      at += s;
    }
    return gs;
  });
}

Tensor stack(const std::vector<Tensor>& ts, int64_t dim) {
  NABLA_CHECK(!ts.empty(), "stack", "needs at least one tensor");
  std::vector<Tensor> u;
  for (size_t i = 0; i < ts.size(); ++i) {
    NABLA_CHECK(ts[i].shape() == ts[0].shape(), "stack", "tensor ", i, " has shape ",
                shape_str(ts[i].shape()), ", expected ", shape_str(ts[0].shape()));
    u.push_back(unsqueeze(ts[i], dim));
  }
  return cat(u, dim < 0 ? dim + ts[0].dim() + 1 : dim);
}

std::vector<Tensor> split(const Tensor& a, int64_t split_size, int64_t dim) {
  NABLA_CHECK(split_size > 0, "split", "split_size must be positive, got ", split_size);
  const int64_t d = a.wrap_dim(dim, "split");
  std::vector<Tensor> out;
  for (int64_t s = 0; s < a.shape()[d]; s += split_size)
    out.push_back(slice(a, d, s, std::min(s + split_size, a.shape()[d])));
  return out;
}

std::vector<Tensor> chunk(const Tensor& a, int64_t chunks, int64_t dim) {
  NABLA_CHECK(chunks > 0, "chunk", "chunks must be positive, got ", chunks);
  const int64_t n = a.shape()[a.wrap_dim(dim, "chunk")];
  return split(a, std::max<int64_t>(1, n / chunks + (n % chunks != 0)), dim);
}

Tensor gather(const Tensor& a, int64_t dim, const Tensor& index) {
  const int64_t d = a.wrap_dim(dim, "gather");
  NABLA_CHECK(index.dtype() == DType::Int64, "gather", "index must be int64, got ",
              dtype_name(index.dtype()));
  NABLA_CHECK(index.dim() == a.dim(), "gather", "index rank ", index.dim(),
              " must equal input rank ", a.dim());
  for (int64_t k = 0; k < a.dim(); ++k)
    NABLA_CHECK(k == d || index.shape()[k] <= a.shape()[k], "gather", "index shape ",
                shape_str(index.shape()), " larger than input ", shape_str(a.shape()), " in dim ",
                k);
  Tensor out = Tensor::empty(index.shape(), a.dtype());
  Tensor ic = index.contiguous();
  const int64_t* ip = ic.data<int64_t>();
  // walk index positions with a's strides but dim d zeroed: the index value supplies dim d
  Shape walk = a.strides();
  walk[d] = 0;
  NABLA_DISPATCH(a.dtype(), T, [&] {
    const T* ap = a.data<T>();
    T* o = out.data<T>();
    int64_t i = 0;
    for_each_offset(index.shape(), walk, [&](int64_t off) {
      const int64_t j = ip[i];
      NABLA_CHECK(j >= 0 && j < a.shape()[d], "gather", "index ", j, " out of range for dim ", d,
                  " of size ", a.shape()[d]);
      o[i++] = ap[off + j * a.strides()[d]];
    });
  });
  return autograd::record("gather", out, {a},
                          [ic, d, shape = a.shape(), dt = a.dtype()](const Tensor& g) {
                            Tensor gi = Tensor::zeros(shape, dt);
                            Tensor gc = g.contiguous();
                            NABLA_DISPATCH_FLOAT(dt, T, [&] {
                              const int64_t* ip = ic.data<int64_t>();
                              const T* gp = gc.data<T>();
                              T* o = gi.data<T>();
                              int64_t i = 0;
                              Shape walk = gi.strides();
                              walk[d] = 0;
                              for_each_offset(ic.shape(), walk, [&](int64_t off) {
                                o[off + ip[i] * gi.strides()[d]] += gp[i];
                                ++i;
                              });
                            });
                            return std::vector<Tensor>{gi};
                          });
}

Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index) {
  const int64_t d = a.wrap_dim(dim, "index_select");
  NABLA_CHECK(index.dtype() == DType::Int64 && index.dim() <= 1, "index_select",
              "index must be a 1-D int64 tensor, got ", dtype_name(index.dtype()), " of shape ",
              shape_str(index.shape()));
  std::vector<int64_t> idx = index.to_vector<int64_t>();
  for (int64_t j : idx)
    NABLA_CHECK(j >= 0 && j < a.shape()[d], "index_select", "index ", j, " out of range for dim ",
                d, " of size ", a.shape()[d]);
  Shape sh = a.shape();
  sh[d] = idx.size();
  Tensor out = Tensor::empty(sh, a.dtype());
  Shape one = a.shape();
  one[d] = 1;
  for (size_t i = 0; i < idx.size(); ++i) {
    Shape so = out.strides();
    out.as_strided(one, so, i * so[d])
        .copy_(a.as_strided(one, a.strides(), a.offset() + idx[i] * a.strides()[d]));
  }
  return autograd::record(
      "index_select", out, {a}, [idx, d, one, shape = a.shape(), dt = a.dtype()](const Tensor& g) {
        Tensor gi = Tensor::zeros(shape, dt);
        for (size_t i = 0; i < idx.size(); ++i) {
          Tensor dst = gi.as_strided(one, gi.strides(), idx[i] * gi.strides()[d]);
          Tensor src = g.as_strided(one, g.strides(), g.offset() + i * g.strides()[d]);
          dst.add_(src.clone_data());
        }
        return std::vector<Tensor>{gi};
      });
}

Tensor pad(const Tensor& a, const std::vector<int64_t>& pads, double value) {
  NABLA_CHECK(pads.size() % 2 == 0 && static_cast<int64_t>(pads.size()) / 2 <= a.dim(), "pad",
              "pads must hold (left, right) pairs for at most ", a.dim(), " dims, got ",
              pads.size(), " values");
  Shape sh = a.shape();
  int64_t offset_elems = 0;
  Tensor out;
  const size_t np = pads.size() / 2;
  for (size_t i = 0; i < np; ++i) {
    const int64_t d = a.dim() - 1 - i;
    NABLA_CHECK(pads[2 * i] >= 0 && pads[2 * i + 1] >= 0, "pad", "negative padding not supported");
    sh[d] = checked_add(sh[d], checked_add(pads[2 * i], pads[2 * i + 1], "pad", "the padding"),
                        "pad", "the padded size");
  }
  out = Tensor::full(sh, value, a.dtype());
  for (size_t i = 0; i < np; ++i) offset_elems += pads[2 * i] * out.strides()[a.dim() - 1 - i];
  out.as_strided(a.shape(), out.strides(), offset_elems).copy_(a);
  return autograd::record("pad", out, {a}, [shape = a.shape(), offset_elems](const Tensor& g) {
    Tensor gc = g.contiguous();
    return std::vector<Tensor>{
        gc.as_strided(shape, gc.strides(), gc.offset() + offset_elems).clone_data()};
  });
}

Tensor Tensor::reshape(const Shape& s) const { return nabla::reshape(*this, s); }
Tensor Tensor::view(const Shape& s) const { return nabla::view(*this, s); }
Tensor Tensor::permute(const std::vector<int64_t>& d) const { return nabla::permute(*this, d); }
Tensor Tensor::transpose(int64_t a, int64_t b) const { return nabla::transpose(*this, a, b); }
Tensor Tensor::t() const {
  NABLA_CHECK(dim() <= 2, "t", "expects a tensor with <= 2 dims, got ", dim());
  return dim() < 2 ? *this : nabla::transpose(*this, 0, 1);
}
Tensor Tensor::slice(int64_t d, int64_t s, int64_t e, int64_t st) const {
  return nabla::slice(*this, d, s, e, st);
}
Tensor Tensor::narrow(int64_t d, int64_t s, int64_t l) const {
  return nabla::narrow(*this, d, s, l);
}
Tensor Tensor::select(int64_t d, int64_t i) const { return nabla::select(*this, d, i); }
Tensor Tensor::expand(const Shape& s) const { return nabla::expand(*this, s); }
Tensor Tensor::squeeze(int64_t d) const { return nabla::squeeze(*this, d); }
Tensor Tensor::squeeze() const { return nabla::squeeze(*this); }
Tensor Tensor::unsqueeze(int64_t d) const { return nabla::unsqueeze(*this, d); }
Tensor Tensor::flatten(int64_t s, int64_t e) const { return nabla::flatten(*this, s, e); }
Tensor Tensor::contiguous() const { return nabla::contiguous(*this); }
Tensor Tensor::clone() const { return nabla::clone(*this); }
Tensor Tensor::to(DType d) const { return to_dtype(*this, d); }

}  // namespace nabla
