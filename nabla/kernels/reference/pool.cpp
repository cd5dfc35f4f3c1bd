// Reference pooling: one output cell at a time, straight from the definitions.
#include "nabla/kernels/reference/pool.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nabla::kernels::reference {

namespace {

// The max rule shared by max and adaptive-max pooling: a larger value or a NaN takes over.
template <class T>
bool takes_max(T v, T best) {
  return v > best || std::isnan(v);
}

template <class T>
void scatter_by_indices(int64_t planes, int64_t in_plane, int64_t out_plane, const T* grad_y,
                        const int64_t* indices, T* grad_x) {
  std::fill(grad_x, grad_x + planes * in_plane, T(0));
  for (int64_t c = 0; c < planes; ++c)
    for (int64_t o = 0; o < out_plane; ++o) {
      const int64_t idx = indices[c * out_plane + o];
      if (idx >= 0) grad_x[c * in_plane + idx] += grad_y[c * out_plane + o];
    }
}

// The avg-pool window of output (oh, ow) clipped to the input, and its divisor (PyTorch's rule).
struct AvgWindow {
  int64_t h0, h1, w0, w1;
  int64_t divisor;
};

AvgWindow avg_window(const Pool2dParams& p, int64_t oh, int64_t ow) {
  int64_t h0 = oh * p.stride_h - p.pad_h, w0 = ow * p.stride_w - p.pad_w;
  int64_t h1 = std::min(h0 + p.kernel_h, p.in_h + p.pad_h);
  int64_t w1 = std::min(w0 + p.kernel_w, p.in_w + p.pad_w);
  const int64_t padded_size = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0);
  w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, p.in_h);
  w1 = std::min(w1, p.in_w);
  int64_t divisor = p.divisor_override    ? p.divisor_override
                    : p.count_include_pad ? padded_size
                                          : (h1 - h0) * (w1 - w0);
  return {h0, h1, w0, w1, divisor};
}

}  // namespace

template <class T>
void max_pool2d_forward(const Pool2dParams& p, const T* x, T* y, int64_t* indices) {
  const int64_t H = p.in_h, W = p.in_w, OH = p.out_h, OW = p.out_w;
  for (int64_t c = 0; c < p.planes(); ++c)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        T best = -std::numeric_limits<T>::infinity();
        int64_t best_idx = -1;
        for (int64_t i = 0; i < p.kernel_h; ++i) {
          const int64_t ih = oh * p.stride_h - p.pad_h + i * p.dilation_h;
          if (ih < 0 || ih >= H) continue;  // padding: -inf, never wins
          for (int64_t j = 0; j < p.kernel_w; ++j) {
            const int64_t iw = ow * p.stride_w - p.pad_w + j * p.dilation_w;
            if (iw < 0 || iw >= W) continue;
            const T v = x[c * H * W + ih * W + iw];
            if (best_idx < 0 || takes_max(v, best)) {
              best = v;
              best_idx = ih * W + iw;
            }
          }
        }
        y[c * OH * OW + oh * OW + ow] = best;
        if (indices) indices[c * OH * OW + oh * OW + ow] = best_idx;
      }
}

template <class T>
void max_pool2d_backward(const Pool2dParams& p, const T* grad_y, const int64_t* indices,
                         T* grad_x) {
  scatter_by_indices(p.planes(), p.in_h * p.in_w, p.out_h * p.out_w, grad_y, indices, grad_x);
}

template <class T>
void avg_pool2d_forward(const Pool2dParams& p, const T* x, T* y) {
  const int64_t H = p.in_h, W = p.in_w, OH = p.out_h, OW = p.out_w;
  for (int64_t c = 0; c < p.planes(); ++c)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const AvgWindow win = avg_window(p, oh, ow);
        T sum = 0;
        for (int64_t ih = win.h0; ih < win.h1; ++ih)
          for (int64_t iw = win.w0; iw < win.w1; ++iw) sum += x[c * H * W + ih * W + iw];
        const bool empty = win.h0 >= win.h1 || win.w0 >= win.w1;
        y[c * OH * OW + oh * OW + ow] = empty ? T(0) : sum / T(win.divisor);
      }
}

template <class T>
void avg_pool2d_backward(const Pool2dParams& p, const T* grad_y, T* grad_x) {
  const int64_t H = p.in_h, W = p.in_w, OH = p.out_h, OW = p.out_w;
  std::fill(grad_x, grad_x + p.planes() * H * W, T(0));
  for (int64_t c = 0; c < p.planes(); ++c)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const AvgWindow win = avg_window(p, oh, ow);
        const T g = grad_y[c * OH * OW + oh * OW + ow] / T(win.divisor);
        for (int64_t ih = win.h0; ih < win.h1; ++ih)
          for (int64_t iw = win.w0; iw < win.w1; ++iw) grad_x[c * H * W + ih * W + iw] += g;
      }
}

template <class T>
void adaptive_avg_pool2d_forward(const AdaptivePool2dParams& p, const T* x, T* y) {
  const int64_t H = p.in_h, W = p.in_w, OH = p.out_h, OW = p.out_w;
  for (int64_t c = 0; c < p.planes(); ++c)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t h0 = adaptive_pool_start(oh, H, OH), h1 = adaptive_pool_end(oh, H, OH);
        const int64_t w0 = adaptive_pool_start(ow, W, OW), w1 = adaptive_pool_end(ow, W, OW);
        T sum = 0;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) sum += x[c * H * W + ih * W + iw];
        y[c * OH * OW + oh * OW + ow] = sum / T((h1 - h0) * (w1 - w0));
      }
}

template <class T>
void adaptive_avg_pool2d_backward(const AdaptivePool2dParams& p, const T* grad_y, T* grad_x) {
  const int64_t H = p.in_h, W = p.in_w, OH = p.out_h, OW = p.out_w;
  std::fill(grad_x, grad_x + p.planes() * H * W, T(0));
  for (int64_t c = 0; c < p.planes(); ++c)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t h0 = adaptive_pool_start(oh, H, OH), h1 = adaptive_pool_end(oh, H, OH);
        const int64_t w0 = adaptive_pool_start(ow, W, OW), w1 = adaptive_pool_end(ow, W, OW);
        const T g = grad_y[c * OH * OW + oh * OW + ow] / T((h1 - h0) * (w1 - w0));
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) grad_x[c * H * W + ih * W + iw] += g;
      }
}

template <class T>
void adaptive_max_pool2d_forward(const AdaptivePool2dParams& p, const T* x, T* y,
                                 int64_t* indices) {
  const int64_t H = p.in_h, W = p.in_w, OH = p.out_h, OW = p.out_w;
  for (int64_t c = 0; c < p.planes(); ++c)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t h0 = adaptive_pool_start(oh, H, OH), h1 = adaptive_pool_end(oh, H, OH);
        const int64_t w0 = adaptive_pool_start(ow, W, OW), w1 = adaptive_pool_end(ow, W, OW);
        T best = x[c * H * W + h0 * W + w0];
        int64_t best_idx = h0 * W + w0;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) {
            const T v = x[c * H * W + ih * W + iw];
            if (takes_max(v, best)) {
              best = v;
              best_idx = ih * W + iw;
            }
          }
        y[c * OH * OW + oh * OW + ow] = best;
        if (indices) indices[c * OH * OW + oh * OW + ow] = best_idx;
      }
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

}  // namespace nabla::kernels::reference
