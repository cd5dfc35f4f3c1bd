// Plain-loop convolutions; see conv.hpp for the formulas. Gathers accumulate in double so the
// oracle is more accurate than the fast path it checks; scatters add into the zeroed output.
#include "nabla/kernels/reference/conv.hpp"

#include <algorithm>

namespace nabla::kernels::reference {

namespace {
inline bool in_range(int64_t v, int64_t hi) { return v >= 0 && v < hi; }
}  // namespace

// x (N,C,H,W)  w (K,C/G,KH,KW)  b (K)  ->  y (N,K,OH,OW)
template <class T>
void conv2d_forward(const Conv2dParams& p, const T* x, const T* w, const T* b, T* y) {
  const int64_t cg = p.c_per_group(), kg = p.k_per_group();
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t k = 0; k < p.k; ++k) {
      const int64_t g = k / kg;
      for (int64_t i = 0; i < p.oh; ++i)
        for (int64_t j = 0; j < p.ow; ++j) {
          double acc = b ? static_cast<double>(b[k]) : 0.0;
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t a = 0; a < p.kh; ++a)
              for (int64_t e = 0; e < p.kw; ++e) {
                const int64_t ih = i * p.stride_h - p.pad_top + a * p.dilation_h;
                const int64_t iw = j * p.stride_w - p.pad_left + e * p.dilation_w;
                if (!in_range(ih, p.h) || !in_range(iw, p.w)) continue;
                const T xv = x[((n * p.c + g * cg + c) * p.h + ih) * p.w + iw];
                const T wv = w[((k * cg + c) * p.kh + a) * p.kw + e];
                acc += static_cast<double>(xv) * static_cast<double>(wv);
              }
          y[((n * p.k + k) * p.oh + i) * p.ow + j] = static_cast<T>(acc);
        }
    }
}

// dy (N,K,OH,OW)  w (K,C/G,KH,KW)  ->  dx (N,C,H,W): scatter each dy back along the forward map.
template <class T>
void conv2d_backward_input(const Conv2dParams& p, const T* dy, const T* w, T* dx) {
  const int64_t cg = p.c_per_group(), kg = p.k_per_group();
  std::fill(dx, dx + p.x_numel(), T(0));
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t k = 0; k < p.k; ++k) {
      const int64_t g = k / kg;
      for (int64_t i = 0; i < p.oh; ++i)
        for (int64_t j = 0; j < p.ow; ++j) {
          const T d = dy[((n * p.k + k) * p.oh + i) * p.ow + j];
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t a = 0; a < p.kh; ++a)
              for (int64_t e = 0; e < p.kw; ++e) {
                const int64_t ih = i * p.stride_h - p.pad_top + a * p.dilation_h;
                const int64_t iw = j * p.stride_w - p.pad_left + e * p.dilation_w;
                if (!in_range(ih, p.h) || !in_range(iw, p.w)) continue;
                dx[((n * p.c + g * cg + c) * p.h + ih) * p.w + iw] +=
                    d * w[((k * cg + c) * p.kh + a) * p.kw + e];
              }
        }
    }
}

// x (N,C,H,W)  dy (N,K,OH,OW)  ->  dw (K,C/G,KH,KW)
template <class T>
void conv2d_backward_weight(const Conv2dParams& p, const T* x, const T* dy, T* dw) {
  const int64_t cg = p.c_per_group(), kg = p.k_per_group();
  for (int64_t k = 0; k < p.k; ++k) {
    const int64_t g = k / kg;
    for (int64_t c = 0; c < cg; ++c)
      for (int64_t a = 0; a < p.kh; ++a)
        for (int64_t e = 0; e < p.kw; ++e) {
          double acc = 0;
          for (int64_t n = 0; n < p.n; ++n)
            for (int64_t i = 0; i < p.oh; ++i)
              for (int64_t j = 0; j < p.ow; ++j) {
                const int64_t ih = i * p.stride_h - p.pad_top + a * p.dilation_h;
                const int64_t iw = j * p.stride_w - p.pad_left + e * p.dilation_w;
                if (!in_range(ih, p.h) || !in_range(iw, p.w)) continue;
                acc += static_cast<double>(dy[((n * p.k + k) * p.oh + i) * p.ow + j]) *
                       static_cast<double>(x[((n * p.c + g * cg + c) * p.h + ih) * p.w + iw]);
              }
          dw[((k * cg + c) * p.kh + a) * p.kw + e] = static_cast<T>(acc);
        }
  }
}

// dy (N,K,OH,OW) -> db (K)
template <class T>
void conv2d_backward_bias(const Conv2dParams& p, const T* dy, T* db) {
  for (int64_t k = 0; k < p.k; ++k) {
    double acc = 0;
    for (int64_t n = 0; n < p.n; ++n)
      for (int64_t i = 0; i < p.oh * p.ow; ++i) acc += dy[(n * p.k + k) * p.oh * p.ow + i];
    db[k] = static_cast<T>(acc);
  }
}

// x (N,C,H,W)  w (C,K/G,KH,KW)  b (K)  ->  y (N,K,OH,OW): every input pixel scatters a
// kernel-sized patch of the output, stride S apart (this is "deconvolution" in the notes).
template <class T>
void conv_transpose2d_forward(const ConvTranspose2dParams& p, const T* x, const T* w, const T* b,
                              T* y) {
  const int64_t cg = p.c_per_group(), kg = p.k_per_group();
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t k = 0; k < p.k; ++k)
      std::fill(y + (n * p.k + k) * p.oh * p.ow, y + (n * p.k + k + 1) * p.oh * p.ow,
                b ? b[k] : T(0));
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t c = 0; c < p.c; ++c) {
      const int64_t g = c / cg;
      for (int64_t i = 0; i < p.h; ++i)
        for (int64_t j = 0; j < p.w; ++j) {
          const T xv = x[((n * p.c + c) * p.h + i) * p.w + j];
          for (int64_t kk = 0; kk < kg; ++kk)
            for (int64_t a = 0; a < p.kh; ++a)
              for (int64_t e = 0; e < p.kw; ++e) {
                const int64_t oy = i * p.stride_h - p.pad_top + a * p.dilation_h;
                const int64_t ox = j * p.stride_w - p.pad_left + e * p.dilation_w;
                if (!in_range(oy, p.oh) || !in_range(ox, p.ow)) continue;
                y[((n * p.k + g * kg + kk) * p.oh + oy) * p.ow + ox] +=
                    xv * w[((c * kg + kk) * p.kh + a) * p.kw + e];
              }
        }
    }
}

// dy (N,K,OH,OW)  w (C,K/G,KH,KW)  ->  dx (N,C,H,W): gather along the same map.
template <class T>
void conv_transpose2d_backward_input(const ConvTranspose2dParams& p, const T* dy, const T* w,
                                     T* dx) {
  const int64_t cg = p.c_per_group(), kg = p.k_per_group();
  for (int64_t n = 0; n < p.n; ++n)
    for (int64_t c = 0; c < p.c; ++c) {
      const int64_t g = c / cg;
      for (int64_t i = 0; i < p.h; ++i)
        for (int64_t j = 0; j < p.w; ++j) {
          double acc = 0;
          for (int64_t kk = 0; kk < kg; ++kk)
            for (int64_t a = 0; a < p.kh; ++a)
              for (int64_t e = 0; e < p.kw; ++e) {
                const int64_t oy = i * p.stride_h - p.pad_top + a * p.dilation_h;
                const int64_t ox = j * p.stride_w - p.pad_left + e * p.dilation_w;
                if (!in_range(oy, p.oh) || !in_range(ox, p.ow)) continue;
                acc += static_cast<double>(dy[((n * p.k + g * kg + kk) * p.oh + oy) * p.ow + ox]) *
                       static_cast<double>(w[((c * kg + kk) * p.kh + a) * p.kw + e]);
              }
          dx[((n * p.c + c) * p.h + i) * p.w + j] = static_cast<T>(acc);
        }
    }
}

// x (N,C,H,W)  dy (N,K,OH,OW)  ->  dw (C,K/G,KH,KW)
template <class T>
void conv_transpose2d_backward_weight(const ConvTranspose2dParams& p, const T* x, const T* dy,
                                      T* dw) {
  const int64_t cg = p.c_per_group(), kg = p.k_per_group();
  for (int64_t c = 0; c < p.c; ++c) {
    const int64_t g = c / cg;
    for (int64_t kk = 0; kk < kg; ++kk)
      for (int64_t a = 0; a < p.kh; ++a)
        for (int64_t e = 0; e < p.kw; ++e) {
          double acc = 0;
          for (int64_t n = 0; n < p.n; ++n)
            for (int64_t i = 0; i < p.h; ++i)
              for (int64_t j = 0; j < p.w; ++j) {
                const int64_t oy = i * p.stride_h - p.pad_top + a * p.dilation_h;
                const int64_t ox = j * p.stride_w - p.pad_left + e * p.dilation_w;
                if (!in_range(oy, p.oh) || !in_range(ox, p.ow)) continue;
                acc += static_cast<double>(x[((n * p.c + c) * p.h + i) * p.w + j]) *
                       static_cast<double>(dy[((n * p.k + g * kg + kk) * p.oh + oy) * p.ow + ox]);
              }
          dw[((c * kg + kk) * p.kh + a) * p.kw + e] = static_cast<T>(acc);
        }
  }
}

// dy (N,K,OH,OW) -> db (K)
template <class T>
void conv_transpose2d_backward_bias(const ConvTranspose2dParams& p, const T* dy, T* db) {
  for (int64_t k = 0; k < p.k; ++k) {
    double acc = 0;
    for (int64_t n = 0; n < p.n; ++n)
      for (int64_t i = 0; i < p.oh * p.ow; ++i) acc += dy[(n * p.k + k) * p.oh * p.ow + i];
    db[k] = static_cast<T>(acc);
  }
}

#define NABLA_INSTANTIATE(T)                                                                  \
  template void conv2d_forward<T>(const Conv2dParams&, const T*, const T*, const T*, T*);     \
  template void conv2d_backward_input<T>(const Conv2dParams&, const T*, const T*, T*);        \
  template void conv2d_backward_weight<T>(const Conv2dParams&, const T*, const T*, T*);       \
  template void conv2d_backward_bias<T>(const Conv2dParams&, const T*, T*);                   \
  template void conv_transpose2d_forward<T>(const ConvTranspose2dParams&, const T*, const T*, \
                                            const T*, T*);                                    \
  template void conv_transpose2d_backward_input<T>(const ConvTranspose2dParams&, const T*,    \
                                                   const T*, T*);                             \
  template void conv_transpose2d_backward_weight<T>(const ConvTranspose2dParams&, const T*,   \
                                                    const T*, T*);                            \
  template void conv_transpose2d_backward_bias<T>(const ConvTranspose2dParams&, const T*, T*);
NABLA_INSTANTIATE(float)
NABLA_INSTANTIATE(double)
#undef NABLA_INSTANTIATE

}  // namespace nabla::kernels::reference
