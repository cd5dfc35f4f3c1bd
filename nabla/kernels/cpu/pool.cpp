// Fast CPU pooling. Work splits over the N*C planes with parallel_for. Inside a plane, output
// columns whose window lies wholly inside the input ("interior") go in blocks of V adjacent
// outputs, V a compile-time constant (one 512-bit register of T, then halves, quarters, then 1),
// so each tap is one branch-free strided sweep that the compiler keeps in registers with no
// scalar tail (stride 1 and 2 are compile-time too); the few border columns use the scalar rule.
// Max pooling tracks the winning tap as an int32 offset from the window's corner and adds the
// corner once per output to get the flat index h*W+w.
#include "nabla/kernels/cpu/pool.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/core/parallel.hpp"

namespace nabla::kernels::cpu {

namespace {

// Calls block(std::integral_constant<int, V>, b) over [lo, hi) in blocks of V adjacent outputs:
// V = kMax while it fits, then kMax/2, kMax/4, then 1, covering [lo, hi) exactly.
template <int kMax, class F>
void for_blocks(int64_t lo, int64_t hi, F&& block) {
  int64_t b = lo;
  for (; b + kMax <= hi; b += kMax) block(std::integral_constant<int, kMax>{}, b);
  if constexpr (kMax / 2 > 1)
    for (; b + kMax / 2 <= hi; b += kMax / 2) block(std::integral_constant<int, kMax / 2>{}, b);
  if constexpr (kMax / 4 > 1)
    for (; b + kMax / 4 <= hi; b += kMax / 4) block(std::integral_constant<int, kMax / 4>{}, b);
  for (; b < hi; ++b) block(std::integral_constant<int, 1>{}, b);
}

template <class T>
constexpr int kWide = static_cast<int>(64 / sizeof(T));  // one 512-bit register (2 AVX2 ones)

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }  // a >= 0, b > 0

// Output positions [lo, hi) along one dim whose taps (extent = last tap offset + 1) all fall
// inside [0, in).
void interior_range(int64_t out, int64_t in, int64_t extent, int64_t stride, int64_t pad,
                    int64_t* lo, int64_t* hi) {
  const int64_t num = in - extent + pad;
  *hi = num < 0 ? 0 : std::min(out, num / stride + 1);
  *lo = std::min(ceil_div(pad, stride), *hi);
}

// a * b, saturating at INT64_MAX (a, b >= 0): work estimates for huge windows must not wrap.
int64_t sat_mul(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_mul_overflow(a, b, &r) ? INT64_MAX : r;
}
int64_t sat_add(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}

// Planes per task so that a task holds at least ~64k element visits.
int64_t plane_grain(int64_t work_per_plane) {
  return std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(1, work_per_plane));
}

template <class F>
void for_each_plane(int64_t planes, int64_t work_per_plane, F&& fn) {
  nabla::parallel_for(0, planes, plane_grain(work_per_plane), [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) fn(c);
  });
}

// ---------------------------------------------------------------- lanes
// GCC/Clang vector extensions: V lanes of T, and the integer lanes a comparison yields. The
// compiler maps them to AVX-512 or AVX2 registers; no intrinsics needed. These helpers have
// internal linkage, so GCC's note that 64-byte vectors pass differently without AVX-512 (-Wpsabi)
// concerns no ABI anyone sees.
#pragma GCC diagnostic ignored "-Wpsabi"
template <class T, int V>
struct Lanes {
  using I = std::conditional_t<sizeof(T) == 4, int32_t, int64_t>;
  typedef T vec __attribute__((vector_size(V * sizeof(T))));
  typedef I ivec __attribute__((vector_size(V * sizeof(T))));
};

// Mask picking p[0], p[2], ..., p[2V-2] from a = p[0..V) and b = p[V-1..2V-1).
template <class T, int V, size_t... K>
constexpr typename Lanes<T, V>::ivec even_lanes_mask(std::index_sequence<K...>) {
  using I = typename Lanes<T, V>::I;
  return typename Lanes<T, V>::ivec{static_cast<I>(K < V / 2 ? 2 * K : V + 1 + 2 * (K - V / 2))...};
}

// a[0], a[2], ... then b[1], b[3], ...: GCC's __builtin_shuffle takes the mask as a vector; clang
// (which builds the fuzz targets, fuzz/run.sh) has __builtin_shufflevector with constant indices.
template <class T, int V, size_t... K>
inline typename Lanes<T, V>::vec even_lanes(typename Lanes<T, V>::vec a,
                                            typename Lanes<T, V>::vec b,
                                            std::index_sequence<K...> k) {
#if defined(__clang__)
  return __builtin_shufflevector(a, b, (K < V / 2 ? 2 * K : V + 1 + 2 * (K - V / 2))...);
#else
  return __builtin_shuffle(a, b, even_lanes_mask<T, V>(k));
#endif
}

// v = p[0], p[sw], ..., p[(V-1)*sw]; reads nothing past p[(V-1)*sw].
template <class T, int V, int kSW>
inline void load_lanes(const T* p, int64_t sw, typename Lanes<T, V>::vec& v) {
  using L = Lanes<T, V>;
  if constexpr (kSW == 1) {
    std::memcpy(&v, p, sizeof v);
  } else if constexpr (kSW == 2) {
    typename L::vec a, b;
    std::memcpy(&a, p, sizeof a);
    std::memcpy(&b, p + V - 1, sizeof b);
    v = even_lanes<T, V>(a, b, std::make_index_sequence<V>{});
  } else {
    T lanes[V];
    for (int t = 0; t < V; ++t) lanes[t] = p[t * sw];
    std::memcpy(&v, lanes, sizeof v);
  }
}

// Sum of p[0..n) in 4 x kWide independent lanes: a plain `s += p[k]` is one serial dependency
// chain (the compiler may not reorder float adds), ~8x slower on a global-average-pool plane.
template <class T>
T sum_contiguous(const T* p, int64_t n) {
  using L = Lanes<T, kWide<T>>;
  constexpr int V = kWide<T>;
  typename L::vec a0 = {}, a1 = {}, a2 = {}, a3 = {}, v0, v1, v2, v3;
  int64_t k = 0;
  for (; k + 4 * V <= n; k += 4 * V) {
    std::memcpy(&v0, p + k, sizeof v0);
    std::memcpy(&v1, p + k + V, sizeof v1);
    std::memcpy(&v2, p + k + 2 * V, sizeof v2);
    std::memcpy(&v3, p + k + 3 * V, sizeof v3);
    a0 += v0, a1 += v1, a2 += v2, a3 += v3;
  }
  for (; k + V <= n; k += V) {
    std::memcpy(&v0, p + k, sizeof v0);
    a0 += v0;
  }
  const typename L::vec total = (a0 + a1) + (a2 + a3);
  T s = 0;
  for (int t = 0; t < V; ++t) s += total[t];
  for (; k < n; ++k) s += p[k];
  return s;
}

// ---------------------------------------------------------------- max pooling

template <class T>
inline bool takes_max(T v, T best) {
  return v > best || v != v;  // v != v: NaN wins, as in PyTorch
}

// One output cell by the scalar rule (border columns): first valid tap, then larger or NaN.
template <class T>
inline void max_cell(const Pool2dParams& p, const T* x, int64_t hs, int64_t i0, int64_t i1,
                     int64_t ow, T* y, int64_t* idx) {
  const int64_t W = p.in_w;
  const int64_t ws = ow * p.stride_w - p.pad_w;
  T best = -std::numeric_limits<T>::infinity();
  int64_t best_idx = -1;
  // only the taps inside the input: a huge, mostly padded kernel costs what it covers
  const int64_t j0 = ws < 0 ? ceil_div(-ws, p.dilation_w) : 0;
  const int64_t j1 = ws >= W ? 0 : std::min(p.kernel_w, ceil_div(W - ws, p.dilation_w));
  for (int64_t i = i0; i < i1; ++i) {
    const int64_t ih = hs + i * p.dilation_h;
    for (int64_t j = j0; j < j1; ++j) {
      const int64_t iw = ws + j * p.dilation_w;
      const T v = x[ih * W + iw];
      if (best_idx < 0 || takes_max(v, best)) {
        best = v;
        best_idx = ih * W + iw;
      }
    }
  }
  *y = best;
  if (idx) *idx = best_idx;
}

// x: (H,W) one plane; y, idx: (OH,OW). kSW > 0 fixes the column stride at compile time.
template <class T, int kSW, bool kIdx>
void max_pool_plane(const Pool2dParams& p, const T* x, T* y, int64_t* idx, int64_t ow_lo,
                    int64_t ow_hi) {
  const int64_t H = p.in_h, W = p.in_w, OW = p.out_w, kw = p.kernel_w;
  const int64_t sw = kSW > 0 ? kSW : p.stride_w, dw = p.dilation_w, dh = p.dilation_h;
  for (int64_t oh = 0; oh < p.out_h; ++oh) {
    const int64_t hs = oh * p.stride_h - p.pad_h;
    const int64_t i0 = hs < 0 ? ceil_div(-hs, dh) : 0;
    const int64_t i1 = hs >= H ? 0 : std::min(p.kernel_h, ceil_div(H - hs, dh));
    T* yrow = y + oh * OW;
    int64_t* irow = kIdx ? idx + oh * OW : nullptr;
    if (i0 >= i1) {  // no input row under this window (only reachable with odd dilations)
      for (int64_t ow = 0; ow < OW; ++ow) {
        yrow[ow] = -std::numeric_limits<T>::infinity();
        if (kIdx) irow[ow] = -1;
      }
      continue;
    }
    for (int64_t ow = 0; ow < ow_lo; ++ow)
      max_cell(p, x, hs, i0, i1, ow, yrow + ow, kIdx ? irow + ow : nullptr);
    for (int64_t ow = ow_hi; ow < OW; ++ow)
      max_cell(p, x, hs, i0, i1, ow, yrow + ow, kIdx ? irow + ow : nullptr);
    for_blocks<kWide<T>>(ow_lo, ow_hi, [&](auto width, int64_t c0) {
      constexpr int V = decltype(width)::value;
      if constexpr (V == 1) {
        max_cell(p, x, hs, i0, i1, c0, yrow + c0, kIdx ? irow + c0 : nullptr);
      } else {
        using L = Lanes<T, V>;
        // tap (i, j) of output c0+t sits at corner + t*sw + tap offset
        const int64_t corner = (hs + i0 * dh) * W + c0 * sw - p.pad_w;
        typename L::vec best, v;
        load_lanes<T, V, kSW>(x + corner, sw, best);
        typename L::ivec arg = {};
        // A plain `>` keeps the sweep to compare+blend; NaNs are only flagged, and a block that
        // saw one is redone by the scalar rule, which lets NaNs win as PyTorch does.
        typename L::ivec nan_seen = best != best;
        for (int64_t i = i0; i < i1; ++i)
          for (int64_t j = (i == i0 ? 1 : 0); j < kw; ++j) {
            const int64_t tap = (i - i0) * dh * W + j * dw;
            load_lanes<T, V, kSW>(x + corner + tap, sw, v);
            const typename L::ivec take = v > best;
            nan_seen |= v != v;
            best = take ? v : best;
            if (kIdx) arg = take ? arg * 0 + static_cast<typename L::I>(tap) : arg;
          }
        bool any_nan = false;
        for (int t = 0; t < V; ++t) any_nan |= nan_seen[t] != 0;
        if (any_nan) {
          for (int64_t ow = c0; ow < c0 + V; ++ow)
            max_cell(p, x, hs, i0, i1, ow, yrow + ow, kIdx ? irow + ow : nullptr);
          return;
        }
        std::memcpy(yrow + c0, &best, sizeof best);
        if (kIdx)
          for (int t = 0; t < V; ++t) irow[c0 + t] = corner + t * sw + arg[t];
      }
    });
  }
}

template <class T, int kSW>
void max_pool_dispatch_idx(const Pool2dParams& p, const T* x, T* y, int64_t* indices) {
  const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
  int64_t lo, hi;
  interior_range(p.out_w, p.in_w, (p.kernel_w - 1) * p.dilation_w + 1, p.stride_w, p.pad_w, &lo,
                 &hi);
  // the vector path keeps tap offsets in int32; absurdly tall windows take the scalar rule
  const int64_t max_tap = sat_add(sat_mul(sat_mul(p.kernel_h - 1, p.dilation_h), p.in_w),
                                  sat_mul(p.kernel_w - 1, p.dilation_w));
  if (max_tap > INT32_MAX) lo = hi = 0;
  for_each_plane(p.planes(), sat_mul(out_plane, sat_mul(p.kernel_h, p.kernel_w)), [&](int64_t c) {
    if (indices)
      max_pool_plane<T, kSW, true>(p, x + c * in_plane, y + c * out_plane, indices + c * out_plane,
                                   lo, hi);
    else
      max_pool_plane<T, kSW, false>(p, x + c * in_plane, y + c * out_plane, nullptr, lo, hi);
  });
}

template <class T>
void scatter_by_indices(int64_t planes, int64_t in_plane, int64_t out_plane, const T* grad_y,
                        const int64_t* indices, T* grad_x) {
  // indices stay inside their own plane, so planes are independent tasks
  for_each_plane(planes, in_plane + out_plane, [&](int64_t c) {
    T* gx = grad_x + c * in_plane;
    const T* gy = grad_y + c * out_plane;
    const int64_t* ind = indices + c * out_plane;
    std::memset(gx, 0, sizeof(T) * in_plane);
    for (int64_t o = 0; o < out_plane; ++o)
      if (ind[o] >= 0) gx[ind[o]] += gy[o];
  });
}

// ---------------------------------------------------------------- average pooling

// The window of output (oh or ow) along one dim, clipped, and its padded extent (PyTorch's rule).
struct Span {
  int64_t lo, hi, padded;
};
inline Span avg_span(int64_t o, int64_t stride, int64_t pad, int64_t kernel, int64_t in) {
  const int64_t s = o * stride - pad;
  const int64_t e = std::min(s + kernel, in + pad);
  return {std::max<int64_t>(s, 0), std::min(e, in), e - s};
}

inline int64_t avg_divisor(const Pool2dParams& p, const Span& h, const Span& w) {
  if (p.divisor_override) return p.divisor_override;
  return p.count_include_pad ? h.padded * w.padded : (h.hi - h.lo) * (w.hi - w.lo);
}

// forward (kBackward = false): y = window sum / divisor.
// backward (kBackward = true): grad_x[window] += grad_y / divisor; x is grad_x, y is grad_y.
template <class T, int kSW, bool kBackward>
void avg_pool_plane(const Pool2dParams& p, T* x, T* y, int64_t ow_lo, int64_t ow_hi) {
  const int64_t W = p.in_w, OW = p.out_w, kw = p.kernel_w;
  const int64_t sw = kSW > 0 ? kSW : p.stride_w;
  if (kBackward) std::memset(x, 0, sizeof(T) * p.in_h * W);
  for (int64_t oh = 0; oh < p.out_h; ++oh) {
    const Span hspan = avg_span(oh, p.stride_h, p.pad_h, p.kernel_h, p.in_h);
    T* yrow = y + oh * OW;
    auto border = [&](int64_t ow) {
      const Span wspan = avg_span(ow, sw, p.pad_w, kw, W);
      if (hspan.lo >= hspan.hi || wspan.lo >= wspan.hi) {
        if (!kBackward) yrow[ow] = 0;
        return;
      }
      const T inv = T(1) / T(avg_divisor(p, hspan, wspan));
      if (kBackward) {
        const T g = yrow[ow] * inv;
        for (int64_t ih = hspan.lo; ih < hspan.hi; ++ih)
          for (int64_t iw = wspan.lo; iw < wspan.hi; ++iw) x[ih * W + iw] += g;
      } else {
        T s = 0;
        for (int64_t ih = hspan.lo; ih < hspan.hi; ++ih)
          for (int64_t iw = wspan.lo; iw < wspan.hi; ++iw) s += x[ih * W + iw];
        yrow[ow] = s * inv;
      }
    };
    for (int64_t ow = 0; ow < ow_lo; ++ow) border(ow);
    for (int64_t ow = ow_hi; ow < OW; ++ow) border(ow);
    if (ow_lo >= ow_hi) continue;
    if (hspan.lo >= hspan.hi) {
      if (!kBackward) std::fill(yrow + ow_lo, yrow + ow_hi, T(0));
      continue;
    }
    // interior columns: the whole kw-wide window is inside the input
    const Span wfull{0, kw, kw};
    const T inv = T(1) / T(avg_divisor(p, hspan, wfull));
    for_blocks<kWide<T>>(ow_lo, ow_hi, [&](auto width, int64_t c0) {
      constexpr int V = decltype(width)::value;
      T acc[V];
      for (int t = 0; t < V; ++t) acc[t] = kBackward ? yrow[c0 + t] * inv : T(0);
      for (int64_t ih = hspan.lo; ih < hspan.hi; ++ih)
        for (int64_t j = 0; j < kw; ++j) {
          T* r = x + ih * W + c0 * sw - p.pad_w + j;
          if (kBackward) {
#pragma omp simd
            for (int t = 0; t < V; ++t) r[t * sw] += acc[t];
          } else {
#pragma omp simd
            for (int t = 0; t < V; ++t) acc[t] += r[t * sw];
          }
        }
      if (!kBackward)
        for (int t = 0; t < V; ++t) yrow[c0 + t] = acc[t] * inv;
    });
  }
}

template <class T, int kSW, bool kBackward>
void avg_pool_run(const Pool2dParams& p, T* x, T* y) {
  const int64_t in_plane = p.in_h * p.in_w, out_plane = p.out_h * p.out_w;
  int64_t lo, hi;
  interior_range(p.out_w, p.in_w, p.kernel_w, p.stride_w, p.pad_w, &lo, &hi);
  for_each_plane(
      p.planes(),
      sat_add(sat_mul(out_plane, sat_mul(p.kernel_h, p.kernel_w)), kBackward ? in_plane : 0),
      [&](int64_t c) {
        avg_pool_plane<T, kSW, kBackward>(p, x + c * in_plane, y + c * out_plane, lo, hi);
      });
}

template <class T, bool kBackward>
void avg_pool_dispatch(const Pool2dParams& p, T* x, T* y) {
  if (p.stride_w == 1) return avg_pool_run<T, 1, kBackward>(p, x, y);
  if (p.stride_w == 2) return avg_pool_run<T, 2, kBackward>(p, x, y);
  avg_pool_run<T, 0, kBackward>(p, x, y);
}

}  // namespace

template <class T>
void max_pool2d_forward(const Pool2dParams& p, const T* x, T* y, int64_t* indices) {
  if (p.stride_w == 1) return max_pool_dispatch_idx<T, 1>(p, x, y, indices);
  if (p.stride_w == 2) return max_pool_dispatch_idx<T, 2>(p, x, y, indices);
  max_pool_dispatch_idx<T, 0>(p, x, y, indices);
}

template <class T>
void max_pool2d_backward(const Pool2dParams& p, const T* grad_y, const int64_t* indices,
                         T* grad_x) {
  scatter_by_indices(p.planes(), p.in_h * p.in_w, p.out_h * p.out_w, grad_y, indices, grad_x);
}

template <class T>
void avg_pool2d_forward(const Pool2dParams& p, const T* x, T* y) {
  avg_pool_dispatch<T, false>(p, const_cast<T*>(x), y);  // forward only reads x
}

template <class T>
void avg_pool2d_backward(const Pool2dParams& p, const T* grad_y, T* grad_x) {
  avg_pool_dispatch<T, true>(p, grad_x, const_cast<T*>(grad_y));  // backward only reads grad_y
}

// ---------------------------------------------------------------- adaptive pooling
// Windows differ per cell, so each cell sums (or scans) its rows; a row segment is contiguous
// and vectorizes, and the 1x1 (global) case is one contiguous sweep over the plane.

template <class T>
void adaptive_avg_pool2d_forward(const AdaptivePool2dParams& p, const T* x, T* y) {
  const int64_t H = p.in_h, W = p.in_w, OH = p.out_h, OW = p.out_w;
  for_each_plane(p.planes(), std::max(H * W, OH * OW), [&](int64_t c) {
    const T* xp = x + c * H * W;
    T* yp = y + c * OH * OW;
    for (int64_t oh = 0; oh < OH; ++oh) {
      const int64_t h0 = adaptive_pool_start(oh, H, OH), h1 = adaptive_pool_end(oh, H, OH);
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t w0 = adaptive_pool_start(ow, W, OW), w1 = adaptive_pool_end(ow, W, OW);
        T s = 0;
        if (w0 == 0 && w1 == W) {  // full rows are contiguous: one sweep
          s = sum_contiguous(xp + h0 * W, (h1 - h0) * W);
        } else {
          for (int64_t ih = h0; ih < h1; ++ih) s += sum_contiguous(xp + ih * W + w0, w1 - w0);
        }
        yp[oh * OW + ow] = s / T((h1 - h0) * (w1 - w0));
      }
    }
  });
}

template <class T>
void adaptive_avg_pool2d_backward(const AdaptivePool2dParams& p, const T* grad_y, T* grad_x) {
  const int64_t H = p.in_h, W = p.in_w, OH = p.out_h, OW = p.out_w;
  for_each_plane(p.planes(), std::max(H * W, OH * OW), [&](int64_t c) {
    T* gx = grad_x + c * H * W;
    const T* gy = grad_y + c * OH * OW;
    std::memset(gx, 0, sizeof(T) * H * W);
    for (int64_t oh = 0; oh < OH; ++oh) {
      const int64_t h0 = adaptive_pool_start(oh, H, OH), h1 = adaptive_pool_end(oh, H, OH);
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t w0 = adaptive_pool_start(ow, W, OW), w1 = adaptive_pool_end(ow, W, OW);
        const T g = gy[oh * OW + ow] / T((h1 - h0) * (w1 - w0));
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) gx[ih * W + iw] += g;
      }
    }
  });
}

// Which of two window elements (value, flat index) the row-major scan of the reference keeps:
// the larger value; among equal values the first (smaller index); NaN beats numbers and, among
// NaNs, the last (larger index) wins, since `takes_max` keeps replacing a NaN by the next one.
template <class T>
inline bool beats(T v, int64_t i, T best, int64_t best_i) {
  const bool vn = v != v, bn = best != best;
  if (vn || bn) return vn && (!bn || i > best_i);
  return v > best || (v == best && i < best_i);
}

// Separable, unlike the reference's per-cell window scan: for each output row, one pass keeps a
// running best per input column over the window's rows (contiguous row segments, so it vectorizes
// and is shared by all output columns, whose windows overlap when W % OW != 0), then each output
// cell takes the best of its columns with `beats`. The result, index included, is the reference's.
template <class T>
void adaptive_max_pool2d_forward(const AdaptivePool2dParams& p, const T* x, T* y,
                                 int64_t* indices) {
  const int64_t H = p.in_h, W = p.in_w, OH = p.out_h, OW = p.out_w;
  for_each_plane(p.planes(), std::max(H * W, OH * OW), [&](int64_t c) {
    const T* xp = x + c * H * W;
    T* yp = y + c * OH * OW;
    std::vector<T> col(W);
    std::vector<int64_t> col_row(W);
    for (int64_t oh = 0; oh < OH; ++oh) {
      const int64_t h0 = adaptive_pool_start(oh, H, OH), h1 = adaptive_pool_end(oh, H, OH);
      std::copy(xp + h0 * W, xp + (h0 + 1) * W, col.begin());
      std::fill(col_row.begin(), col_row.end(), h0);
      for (int64_t ih = h0 + 1; ih < h1; ++ih) {
        const T* row = xp + ih * W;
        for (int64_t iw = 0; iw < W; ++iw)
          if (takes_max(row[iw], col[iw])) {
            col[iw] = row[iw];
            col_row[iw] = ih;
          }
      }
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t w0 = adaptive_pool_start(ow, W, OW), w1 = adaptive_pool_end(ow, W, OW);
        T best = col[w0];
        int64_t best_idx = col_row[w0] * W + w0;
        for (int64_t iw = w0 + 1; iw < w1; ++iw) {
          const int64_t i = col_row[iw] * W + iw;
          if (beats(col[iw], i, best, best_idx)) {
            best = col[iw];
            best_idx = i;
          }
        }
        yp[oh * OW + ow] = best;
        if (indices) indices[c * OH * OW + oh * OW + ow] = best_idx;
      }
    }
  });
}

template <class T>
void adaptive_max_pool2d_backward(const AdaptivePool2dParams& p, const T* grad_y,
                                  const int64_t* indices, T* grad_x) {
  scatter_by_indices(p.planes(), p.in_h * p.in_w, p.out_h * p.out_w, grad_y, indices, grad_x);
}

#define NABLA_INSTANTIATE(T)                                                                \
  template void max_pool2d_forward<T>(const Pool2dParams&, const T*, T*, int64_t*);         \
  template void max_pool2d_backward<T>(const Pool2dParams&, const T*, const int64_t*, T*);  \
  template void avg_pool2d_forward<T>(const Pool2dParams&, const T*, T*);                   \
  template void avg_pool2d_backward<T>(const Pool2dParams&, const T*, T*);                  \
  template void adaptive_avg_pool2d_forward<T>(const AdaptivePool2dParams&, const T*, T*);  \
  template void adaptive_avg_pool2d_backward<T>(const AdaptivePool2dParams&, const T*, T*); \
  template void adaptive_max_pool2d_forward<T>(const AdaptivePool2dParams&, const T*, T*,   \
                                               int64_t*);                                   \
  template void adaptive_max_pool2d_backward<T>(const AdaptivePool2dParams&, const T*,      \
                                                const int64_t*, T*);
NABLA_INSTANTIATE(float)
NABLA_INSTANTIATE(double)
#undef NABLA_INSTANTIATE

}  // namespace nabla::kernels::cpu
