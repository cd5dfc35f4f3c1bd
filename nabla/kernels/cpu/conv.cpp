// Engine choice for the fast convolutions, the bias reductions, and the transposed
// convolution, which is the adjoint of conv2d and so reuses its kernels:
//   conv_transpose2d forward         = conv2d backward-data   of the equivalent conv (as_conv2d)
//   conv_transpose2d backward-data   = conv2d forward
//   conv_transpose2d backward-weight = conv2d backward-weight with input and output swapped
#include "nabla/kernels/cpu/conv.hpp"

#include <type_traits>

#include "nabla/core/parallel.hpp"
#include "nabla/kernels/cpu/conv_direct.hpp"
#include "nabla/kernels/cpu/conv_dnnl.hpp"
#include "nabla/kernels/cpu/conv_gemm.hpp"

namespace nabla::kernels::cpu {

namespace {

ConvEngine g_engine = ConvEngine::Auto;

// Whether oneDNN should run this float32 convolution. Measured with bench_nabla's /im2col,
// /dnnl and /direct variants (bench/bench_conv.cpp, 1 thread, CPU time): oneDNN is 1.3-1.5x
// faster than im2col on every layer with several channels per group (ResNet 3x3 fwd+bwd 229 vs
// 322 ms, strided, dilated, transposed, LeNet conv2 fwd 0.30 vs 0.72 ms) and on depthwise (34 vs
// 51 ms), but 4x slower on LeNet conv1's fwd+bwd with dX (7.5 vs 1.7 ms), where one input channel
// leaves its 8/16-channel blocks mostly empty; there the direct kernel wins the forward (0.39 vs
// im2col 0.49 vs oneDNN 0.58 ms) and the weight gradient.
template <class T>
bool use_dnnl(const Conv2dParams& p) {
  if constexpr (!std::is_same_v<T, float>) {
    return false;
  } else {
    if (g_engine == ConvEngine::Im2colGemm || g_engine == ConvEngine::Direct ||
        !detail::dnnl_available())
      return false;
    if (g_engine == ConvEngine::Dnnl) return true;
    const bool depthwise = p.groups > 1 && p.c_per_group() == 1 && p.k_per_group() == 1;
    return depthwise || (p.c_per_group() >= 4 && p.k_per_group() >= 4);
  }
}

// Whether the single-input-channel direct kernel runs this forward / weight gradient.
bool use_direct(const Conv2dParams& p) {
  if (g_engine == ConvEngine::Im2colGemm || g_engine == ConvEngine::Dnnl) return false;
  return detail::direct_applicable(p);
}

// dy (N,K,P) -> db (K): sum over samples and positions.
template <class T>
void channel_sum(int64_t n, int64_t k, int64_t plane, const T* dy, T* db) {
  parallel_for(0, k, plane * n >= 1 << 15 ? 1 : k, [&](int64_t kb, int64_t ke) {
    for (int64_t c = kb; c < ke; ++c) {
      T acc = 0;
      for (int64_t s = 0; s < n; ++s) {
        const T* row = dy + (s * k + c) * plane;
        T part = 0;
        for (int64_t i = 0; i < plane; ++i) part += row[i];
        acc += part;
      }
      db[c] = acc;
    }
  });
}

}  // namespace

void set_conv_engine(ConvEngine e) { g_engine = e; }
ConvEngine conv_engine() { return g_engine; }
bool have_dnnl() { return detail::dnnl_available(); }

template <class T>
void conv2d_forward(const Conv2dParams& p, const T* x, const T* w, const T* b, T* y) {
  if constexpr (std::is_same_v<T, float>) {
    if (use_dnnl<T>(p) && detail::dnnl_conv2d_forward(p, x, w, b, y)) return;
  }
  if (use_direct(p)) return detail::direct_conv2d_forward(p, x, w, b, y);
  detail::gemm_conv2d_forward(p, x, w, b, y);
}

template <class T>
void conv2d_backward_input(const Conv2dParams& p, const T* dy, const T* w, T* dx) {
  if constexpr (std::is_same_v<T, float>) {
    if (use_dnnl<T>(p) && detail::dnnl_conv2d_backward_input(p, dy, w, dx)) return;
  }
  detail::gemm_conv2d_backward_input(p, dy, w, dx);
}

template <class T>
void conv2d_backward_weight(const Conv2dParams& p, const T* x, const T* dy, T* dw) {
  if constexpr (std::is_same_v<T, float>) {
    if (use_dnnl<T>(p) && detail::dnnl_conv2d_backward_weight(p, x, dy, dw, nullptr)) return;
  }
  if (use_direct(p)) return detail::direct_conv2d_backward_weight(p, x, dy, dw);
  detail::gemm_conv2d_backward_weight(p, x, dy, dw);
}

template <class T>
void conv2d_backward_bias(const Conv2dParams& p, const T* dy, T* db) {
  channel_sum(p.n, p.k, p.oh * p.ow, dy, db);
}

template <class T>
void conv2d_backward_weight_bias(const Conv2dParams& p, const T* x, const T* dy, T* dw, T* db) {
  if constexpr (std::is_same_v<T, float>) {
    if (use_dnnl<T>(p) && detail::dnnl_conv2d_backward_weight(p, x, dy, dw, db)) return;
  }
  conv2d_backward_weight(p, x, dy, dw);
  channel_sum(p.n, p.k, p.oh * p.ow, dy, db);
}

template <class T>
void conv_transpose2d_forward(const ConvTranspose2dParams& p, const T* x, const T* w, const T* b,
                              T* y) {
  conv2d_backward_input(p.as_conv2d(), x, w, y);
  if (!b) return;
  const int64_t plane = p.oh * p.ow;
  parallel_for(0, p.n * p.k, 1 << 14 > plane ? 64 : 1, [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) {
      const T bv = b[r % p.k];
      T* row = y + r * plane;
      for (int64_t i = 0; i < plane; ++i) row[i] += bv;
    }
  });
}

template <class T>
void conv_transpose2d_backward_input(const ConvTranspose2dParams& p, const T* dy, const T* w,
                                     T* dx) {
  conv2d_forward<T>(p.as_conv2d(), dy, w, nullptr, dx);
}

template <class T>
void conv_transpose2d_backward_weight(const ConvTranspose2dParams& p, const T* x, const T* dy,
                                      T* dw) {
  conv2d_backward_weight(p.as_conv2d(), dy, x, dw);
}

template <class T>
void conv_transpose2d_backward_bias(const ConvTranspose2dParams& p, const T* dy, T* db) {
  channel_sum(p.n, p.k, p.oh * p.ow, dy, db);
}

#define NABLA_INSTANTIATE(T)                                                                     \
  template void conv2d_forward<T>(const Conv2dParams&, const T*, const T*, const T*, T*);        \
  template void conv2d_backward_input<T>(const Conv2dParams&, const T*, const T*, T*);           \
  template void conv2d_backward_weight<T>(const Conv2dParams&, const T*, const T*, T*);          \
  template void conv2d_backward_bias<T>(const Conv2dParams&, const T*, T*);                      \
  template void conv2d_backward_weight_bias<T>(const Conv2dParams&, const T*, const T*, T*, T*); \
  template void conv_transpose2d_forward<T>(const ConvTranspose2dParams&, const T*, const T*,    \
                                            const T*, T*);                                       \
  template void conv_transpose2d_backward_input<T>(const ConvTranspose2dParams&, const T*,       \
                                                   const T*, T*);                                \
  template void conv_transpose2d_backward_weight<T>(const ConvTranspose2dParams&, const T*,      \
                                                    const T*, T*);                               \
  template void conv_transpose2d_backward_bias<T>(const ConvTranspose2dParams&, const T*, T*);
NABLA_INSTANTIATE(float)
NABLA_INSTANTIATE(double)
#undef NABLA_INSTANTIATE

}  // namespace nabla::kernels::cpu
