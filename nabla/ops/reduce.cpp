#include "nabla/ops/reduce.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "nabla/autograd/node.hpp"
#include "nabla/core/parallel.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla {
namespace {

struct ReducePlan {
  std::vector<bool> reduced;  // per input dim
  Shape out_shape;            // with keepdim
  Shape out_shape_squeezed;   // without
  int64_t outer = 1, inner = 1;
};

ReducePlan make_plan(const Tensor& a, const std::vector<int64_t>& dims, const char* op) {
  ReducePlan p;
  p.reduced.assign(a.dim(), dims.empty());
  for (int64_t d : dims) {
    const int64_t w = a.wrap_dim(d, op);
    NABLA_CHECK(!p.reduced[w] || dims.empty(), op, "dimension ", d, " appears twice");
    p.reduced[w] = true;
  }
  for (int64_t i = 0; i < a.dim(); ++i) {
    p.out_shape.push_back(p.reduced[i] ? 1 : a.shape()[i]);
    if (!p.reduced[i]) p.out_shape_squeezed.push_back(a.shape()[i]);
    (p.reduced[i] ? p.inner : p.outer) *= a.shape()[i];
  }
  return p;
}

// The input with kept dims first and reduced dims last, contiguous: row r holds the `inner`
// values that reduce into output element r.
Tensor rows_view(const Tensor& a, const ReducePlan& p) {
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < a.dim(); ++i)
    if (!p.reduced[i]) perm.push_back(i);
  for (int64_t i = 0; i < a.dim(); ++i)
    if (p.reduced[i]) perm.push_back(i);
  Shape sh, st;
  for (int64_t i : perm) {
    sh.push_back(a.shape()[i]);
    st.push_back(a.strides()[i]);
  }
  Tensor v = a.as_strided(sh, st, a.offset());
  if (v.is_contiguous()) return v;
  return v.clone_data();
}

Tensor sum_raw(const Tensor& a, const ReducePlan& p, bool keepdim) {
  Tensor out = Tensor::empty(keepdim ? p.out_shape : p.out_shape_squeezed, a.dtype());
  // A leading-dim reduction (e.g. bias gradients, (N,C) -> C) sums rows directly without a
  // transposing copy.
  bool leading = a.is_contiguous();
  {
    bool seen_kept = false;
    for (int64_t i = 0; i < a.dim(); ++i) {
      if (!p.reduced[i])
        seen_kept = true;
      else if (seen_kept)
        leading = false;
    }
  }
  NABLA_DISPATCH(a.dtype(), T, [&] {
    T* o = out.data<T>();
    if (leading && p.outer > 1) {
      const T* x = a.data<T>();
      parallel_for(0, p.outer, 256, [&](int64_t b, int64_t e) {
        for (int64_t j = b; j < e; ++j) o[j] = 0;
        for (int64_t r = 0; r < p.inner; ++r)
          for (int64_t j = b; j < e; ++j) o[j] += x[r * p.outer + j];
      });
      return;
    }
    Tensor rows = rows_view(a, p);
    const T* x = rows.data<T>();
    parallel_for(0, p.outer, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, p.inner)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t r = b; r < e; ++r) {
                     const T* row = x + r * p.inner;
                     // accumulate float sums in double: long reductions stay accurate;
                     // 8 independent partial sums so the adds pipeline (one serial chain
                     // runs at one add per 4 cycles)
                     double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
                     int64_t j = 0;
                     for (; j + 8 <= p.inner; j += 8)
                       for (int l = 0; l < 8; ++l) acc[l] += static_cast<double>(row[j + l]);
                     double tail = 0;
                     for (; j < p.inner; ++j) tail += row[j];
                     o[r] = static_cast<T>(((acc[0] + acc[4]) + (acc[1] + acc[5])) +
                                           ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail);
                   }
                 });
  });
  return out;
}

// max/min along one dim: values and int64 indices (first extreme wins)
std::pair<Tensor, Tensor> extreme(const Tensor& a, int64_t dim, bool keepdim, bool is_max,
                                  const char* op) {
  const int64_t d = a.wrap_dim(dim, op);
  NABLA_CHECK(a.dim() == 0 || a.shape()[d] > 0, op, "cannot reduce an empty dimension");
  ReducePlan p = make_plan(a, {d}, op);
  Tensor rows = rows_view(a, p);
  Shape shape = keepdim ? p.out_shape : p.out_shape_squeezed;
  Tensor vals = Tensor::empty(shape, a.dtype());
  Tensor idx = Tensor::empty(shape, DType::Int64);
  NABLA_DISPATCH(a.dtype(), T, [&] {
    const T* x = rows.data<T>();
    T* v = vals.data<T>();
    int64_t* ix = idx.data<int64_t>();
    for (int64_t r = 0; r < p.outer; ++r) {
      const T* row = x + r * p.inner;
      int64_t best = 0;
      for (int64_t j = 1; j < p.inner; ++j) {
        const bool better = is_max
                                ? (row[j] > row[best] ||
                                   (std::isnan((double)row[j]) && !std::isnan((double)row[best])))
                                : (row[j] < row[best] ||
                                   (std::isnan((double)row[j]) && !std::isnan((double)row[best])));
        if (better) best = j;
      }
      v[r] = row[best];
      ix[r] = best;
    }
  });
  return {vals, idx};
}

Tensor extreme_op(const Tensor& a, int64_t dim, bool keepdim, bool is_max) {
  const char* op = is_max ? "max" : "min";
  // not a structured binding: clang before 16 (the fuzz build) cannot capture one in the lambda
  const std::pair<Tensor, Tensor> ext = extreme(a, dim, keepdim, is_max, op);
  const Tensor vals = ext.first, idx = ext.second;
  const int64_t d = a.dim() == 0 ? 0 : a.wrap_dim(dim, op);
  return autograd::record(op, vals, {a},
                          [idx, d, keepdim, shape = a.shape(), dt = a.dtype()](const Tensor& g) {
                            // scatter g into the argmax positions
                            Tensor gi = Tensor::zeros(shape, dt);
                            if (shape.empty()) return std::vector<Tensor>{g.reshape({})};
                            Tensor gk = keepdim ? g : g.unsqueeze(d);
                            Tensor ik = keepdim ? idx : idx.unsqueeze(d);
                            Tensor gkc = gk.contiguous(), ikc = ik.contiguous();
                            NABLA_DISPATCH_FLOAT(dt, T, [&] {
                              const T* gp = gkc.data<T>();
                              const int64_t* ip = ikc.data<int64_t>();
                              T* o = gi.data<T>();
                              const Shape& st = gi.strides();
                              Shape os = gkc.shape();
                              int64_t i = 0;
                              for_each_offset(os, st, [&](int64_t off) {
                                o[off + ip[i] * st[d]] += gp[i];
                                ++i;
                              });
                            });
                            return std::vector<Tensor>{gi};
                          });
}

// max/min over all elements. The gradient is shared evenly by every element equal to the result
// (every NaN when the result is NaN), as PyTorch's evenly_distribute_backward does; the
// per-dim max/min instead send it to the one index they return.
Tensor full_extreme_op(const Tensor& a, bool is_max) {
  const char* op = is_max ? "max" : "min";
  NABLA_CHECK(a.defined(), op, "undefined tensor");
  Tensor val = extreme(a.detach().reshape({-1}), 0, false, is_max, op).first;
  return autograd::record(op, val, {a}, [a = a.detach(), val](const Tensor& g) {
    Tensor ac = a.contiguous();
    Tensor gi = Tensor::zeros(a.shape(), a.dtype());
    NABLA_DISPATCH_FLOAT(a.dtype(), T, [&] {
      const T v = *val.data<T>();
      const T* x = ac.data<T>();
      T* o = gi.data<T>();
      const int64_t n = ac.numel();
      auto hit = [v](T e) { return v != v ? e != e : e == v; };
      int64_t count = 0;
      for (int64_t i = 0; i < n; ++i) count += hit(x[i]);
      const T share = static_cast<T>(g.item()) / static_cast<T>(count);
      for (int64_t i = 0; i < n; ++i)
        if (hit(x[i])) o[i] = share;  // others stay 0 even for a NaN g, as in PyTorch
    });
    return std::vector<Tensor>{gi};
  });
}

}  // namespace

Tensor sum(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim) {
  NABLA_CHECK(a.defined(), "sum", "undefined tensor");
  ReducePlan p = make_plan(a, dims, "sum");
  Tensor out = sum_raw(a, p, keepdim);
  return autograd::record("sum", out, {a}, [p, shape = a.shape()](const Tensor& g) {
    return std::vector<Tensor>{g.reshape(p.out_shape).expand(shape).contiguous()};
  });
}

Tensor mean(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim) {
  NABLA_CHECK(a.defined() && is_floating(a.dtype()), "mean", "needs a float tensor");
  ReducePlan p = make_plan(a, dims, "mean");
  NABLA_CHECK(p.inner > 0, "mean", "mean of an empty selection of shape ", shape_str(a.shape()));
  return mul(sum(a, dims, keepdim), 1.0 / static_cast<double>(p.inner));
}

Tensor var(const Tensor& a, const std::vector<int64_t>& dims, bool unbiased, bool keepdim) {
  ReducePlan p = make_plan(a, dims, "var");
  const int64_t n = p.inner;
  NABLA_CHECK(n > (unbiased ? 1 : 0), "var", "needs at least ", unbiased ? 2 : 1,
              " elements per reduction, got ", n);
  Tensor c = sub(a, mean(a, dims, true));
  return mul(sum(mul(c, c), dims, keepdim), 1.0 / static_cast<double>(unbiased ? n - 1 : n));
}

Tensor max(const Tensor& a, int64_t dim, bool keepdim) { return extreme_op(a, dim, keepdim, true); }
Tensor min(const Tensor& a, int64_t dim, bool keepdim) {
  return extreme_op(a, dim, keepdim, false);
}
Tensor max(const Tensor& a) { return full_extreme_op(a, true); }
Tensor min(const Tensor& a) { return full_extreme_op(a, false); }
Tensor argmax(const Tensor& a, int64_t dim, bool keepdim) {
  return extreme(a, dim, keepdim, true, "argmax").second;
}
Tensor argmin(const Tensor& a, int64_t dim, bool keepdim) {
  return extreme(a, dim, keepdim, false, "argmin").second;
}

Tensor logsumexp(const Tensor& a, int64_t dim, bool keepdim) {
  NABLA_CHECK(a.defined() && is_floating(a.dtype()), "logsumexp", "needs a float tensor");
  Tensor x = a.detach();
  Tensor m = max(x, dim, true);
  // PyTorch's rule: an infinite max is replaced by 0, so a row holding +inf gives +inf and an
  // all -inf row gives -inf, not the NaN of inf - inf; a NaN anywhere in the row gives NaN.
  Tensor safe_m =
      where(eq(abs(m), Tensor::scalar(INFINITY, a.dtype())), Tensor::zeros({}, a.dtype()), m);
  Tensor out = add(log(sum(exp(sub(x, safe_m)), {dim}, true)), safe_m);
  Tensor result = keepdim ? out : out.squeeze(a.wrap_dim(dim, "logsumexp"));
  // d/dx = exp(x - logsumexp(x)), PyTorch's formula (NaN where x and the result are both +inf)
  return autograd::record("logsumexp", result, {a}, [x, out](const Tensor& g) {
    return std::vector<Tensor>{mul(g.reshape(out.shape()), exp(sub(x, out)))};
  });
}

namespace {
// Fused, stable softmax / log-softmax along `dim`: rows of the moved-last layout.
Tensor softmax_raw(const Tensor& a, int64_t d, bool log_space) {
  Tensor moved = a.transpose(d, -1).detach().contiguous();
  Tensor out = Tensor::empty(moved.shape(), a.dtype());
  const int64_t inner = moved.dim() == 0 ? 1 : moved.shape().back();
  const int64_t outer = inner == 0 ? 0 : moved.numel() / inner;
  NABLA_DISPATCH_FLOAT(a.dtype(), T, [&] {
    const T* x = moved.data<T>();
    T* y = out.data<T>();
    parallel_for(0, outer, 64, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        const T* xr = x + r * inner;
        T* yr = y + r * inner;
        T m = -std::numeric_limits<T>::infinity();
        for (int64_t j = 0; j < inner; ++j) m = std::max(m, xr[j]);
        if (std::isinf(m) && m < 0) m = 0;
        T s = 0;
        for (int64_t j = 0; j < inner; ++j) s += std::exp(xr[j] - m);
        if (log_space) {
          // (x - m) - log(s), not x - (m + log(s)): for |x| ~ 1000 in float32 the sum m + log(s)
          // would round away the small part
          const T ls = std::log(s);
          for (int64_t j = 0; j < inner; ++j) yr[j] = (xr[j] - m) - ls;
        } else {
          for (int64_t j = 0; j < inner; ++j) yr[j] = std::exp(xr[j] - m) / s;
        }
      }
    });
  });
  return out.transpose(d, -1).detach().contiguous();
}
}  // namespace

Tensor softmax(const Tensor& a, int64_t dim) {
  NABLA_CHECK(a.defined() && is_floating(a.dtype()), "softmax", "needs a float tensor");
  const int64_t d = a.dim() == 0 ? 0 : a.wrap_dim(dim, "softmax");
  if (a.dim() == 0) return exp(sub(a, a.detach()));
  Tensor out = softmax_raw(a, d, false);
  return autograd::record("softmax", out, {a}, [out, d](const Tensor& g) {
    return std::vector<Tensor>{mul(out, sub(g, sum(mul(g, out), {d}, true)))};
  });
}

Tensor log_softmax(const Tensor& a, int64_t dim) {
  NABLA_CHECK(a.defined() && is_floating(a.dtype()), "log_softmax", "needs a float tensor");
  const int64_t d = a.dim() == 0 ? 0 : a.wrap_dim(dim, "log_softmax");
  if (a.dim() == 0) return sub(a, a.detach());
  Tensor out = softmax_raw(a, d, true);
  return autograd::record("log_softmax", out, {a}, [out, d](const Tensor& g) {
    return std::vector<Tensor>{sub(g, mul(exp(out), sum(g, {d}, true)))};
  });
}

Tensor Tensor::sum() const { return nabla::sum(*this); }
Tensor Tensor::sum(const std::vector<int64_t>& dims, bool keepdim) const {
  return nabla::sum(*this, dims, keepdim);
}
Tensor Tensor::mean() const { return nabla::mean(*this); }
Tensor Tensor::mean(const std::vector<int64_t>& dims, bool keepdim) const {
  return nabla::mean(*this, dims, keepdim);
}

}  // namespace nabla
