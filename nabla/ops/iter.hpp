// Internal: loops that apply a function elementwise over one or two (broadcast) tensors.
// The innermost dimension runs as a tight loop; everything else walks an N-d index.
#pragma once
#include <vector>

#include "nabla/core/parallel.hpp"
#include "nabla/core/tensor.hpp"

namespace nabla::detail {

// Strides of `t` viewed with shape `out` (broadcast: 0 on size-1 or missing dims).
Shape broadcast_strides_to(const Tensor& t, const Shape& out);

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
  const Shape sa = broadcast_strides_to(a, shape), sb = broadcast_strides_to(b, shape);
  const int64_t nd = static_cast<int64_t>(shape.size());
  const int64_t inner = shape[nd - 1], ia = sa[nd - 1], ib = sb[nd - 1];
  const int64_t outer = n / inner;
  parallel_for(0, outer, std::max<int64_t>(1, (1 << 15) / inner), [&](int64_t s, int64_t e) {
    for (int64_t r = s; r < e; ++r) {
      int64_t rem = r, oa = 0, ob = 0;
      for (int64_t d = nd - 2; d >= 0; --d) {
        const int64_t idx = rem % shape[d];
        rem /= shape[d];
        oa += idx * sa[d];
        ob += idx * sb[d];
      }
      TO* o = po + r * inner;
      for (int64_t j = 0; j < inner; ++j) o[j] = f(pa[oa + j * ia], pb[ob + j * ib]);
    }
  });
}

}  // namespace nabla::detail
