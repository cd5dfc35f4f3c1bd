// Internal: loops that apply a function elementwise over one or two (broadcast) tensors.
// The innermost dimension runs as a tight loop; everything else walks an N-d index.
#pragma once
#include <vector>

#include "nabla/core/parallel.hpp"
#include "nabla/core/tensor.hpp"

namespace nabla::detail {

// Strides of `t` viewed with shape `out` (broadcast: 0 on size-1 or missing dims).
Shape broadcast_strides_to(const Tensor& t, const Shape& out);

// Merges neighbouring dims that both operands (and the contiguous output) step through as
// one: (N,C,H,W) + (C,1,1) becomes (N,C,H*W) with a stride-0 row, so rows are long. Size-1
// dims are dropped. Keeps at least one dim.
inline void coalesce_dims(Shape& shape, Shape& sa, Shape& sb) {
  Shape d2, a2, b2;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (!d2.empty() && a2.back() == sa[i] * shape[i] && b2.back() == sb[i] * shape[i]) {
      d2.back() *= shape[i];
      a2.back() = sa[i];
      b2.back() = sb[i];
    } else {
      d2.push_back(shape[i]);
      a2.push_back(sa[i]);
      b2.push_back(sb[i]);
    }
  }
  if (d2.empty()) {
    d2.push_back(1);
    a2.push_back(0);
    b2.push_back(0);
  }
  shape = std::move(d2);
  sa = std::move(a2);
  sb = std::move(b2);
}

// out[i] = f(a[i]) for a contiguous output of a's shape.
template <class TO, class TA, class F>
void unary_loop(const Tensor& a, Tensor& out, F&& f) {
  const TA* pa = a.data<TA>();
  TO* po = out.data<TO>();
  const int64_t n = a.numel();
  if (a.is_contiguous()) {
    parallel_for(0, n, 1 << 15, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) po[i] = f(pa[i]);
    });
    return;
  }
  int64_t i = 0;
  for_each_offset(a.shape(), a.strides(), [&](int64_t off) { po[i++] = f(pa[off]); });
}

// out = f(a, b) with broadcasting; out is contiguous with shape `shape`.
template <class TO, class TA, class TB, class F>
void binary_loop(const Tensor& a, const Tensor& b, Tensor& out, F&& f) {
  const TA* pa = a.data<TA>();
  const TB* pb = b.data<TB>();
  TO* po = out.data<TO>();
  const Shape& shape = out.shape();
  const int64_t n = out.numel();
  if (n == 0) return;
  if (a.shape() == shape && b.shape() == shape && a.is_contiguous() && b.is_contiguous()) {
    parallel_for(0, n, 1 << 15, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) po[i] = f(pa[i], pb[i]);
    });
    return;
  }
  if (b.numel() == 1 && a.shape() == shape && a.is_contiguous()) {
    const TB bv = *pb;
    parallel_for(0, n, 1 << 15, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) po[i] = f(pa[i], bv);
    });
    return;
  }
  if (a.numel() == 1 && b.shape() == shape && b.is_contiguous()) {
    const TA av = *pa;
    parallel_for(0, n, 1 << 15, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) po[i] = f(av, pb[i]);
    });
    return;
  }
  Shape dims = shape, sa = broadcast_strides_to(a, shape), sb = broadcast_strides_to(b, shape);
  coalesce_dims(dims, sa, sb);
  const int64_t nd = static_cast<int64_t>(dims.size());
  const int64_t inner = dims[nd - 1], ia = sa[nd - 1], ib = sb[nd - 1];
  const int64_t outer = n / inner;
  parallel_for(0, outer, std::max<int64_t>(1, (1 << 15) / inner), [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; ++r) {
      int64_t rem = r, oa = 0, ob = 0;
      for (int64_t d = nd - 2; d >= 0; --d) {
        const int64_t idx = rem % dims[d];
        rem /= dims[d];
        oa += idx * sa[d];
        ob += idx * sb[d];
      }
      TO* o = po + r * inner;
      const TA* ra = pa + oa;
      const TB* rb = pb + ob;
      // The common broadcast rows get their own loops so they vectorise: both operands
      // running, or one a scalar along the row (a bias over (N,C,H,W) after coalescing H,W).
      if (ia == 1 && ib == 1) {
        for (int64_t j = 0; j < inner; ++j) o[j] = f(ra[j], rb[j]);
      } else if (ia == 1 && ib == 0) {
        const TB bv = *rb;
        for (int64_t j = 0; j < inner; ++j) o[j] = f(ra[j], bv);
      } else if (ia == 0 && ib == 1) {
        const TA av = *ra;
        for (int64_t j = 0; j < inner; ++j) o[j] = f(av, rb[j]);
      } else {
        for (int64_t j = 0; j < inner; ++j) o[j] = f(ra[j * ia], rb[j * ib]);
      }
    }
  });
}

}  // namespace nabla::detail
