// im2col + GEMM convolution (internal to nabla/kernels/cpu; use cpu/conv.hpp). Works for every
// shape and both float types; it is the fallback of the oneDNN path and the float64 engine.
#pragma once
#include <cstddef>

#include "nabla/kernels/conv_params.hpp"

namespace nabla::kernels::cpu::detail {

// A per-thread buffer that only grows: the hot loop never calls malloc once warm. `slot`
// separates buffers a thread needs at the same time (e.g. its columns and a reduction area).
void* thread_scratch(int slot, size_t bytes);

// x (N,C,H,W)  w (K,C/G,KH,KW)  b (K) or null  ->  y (N,K,OH,OW)
template <class T>
void gemm_conv2d_forward(const Conv2dParams& p, const T* x, const T* w, const T* b, T* y);
// dy (N,K,OH,OW)  w  ->  dx (N,C,H,W)
template <class T>
void gemm_conv2d_backward_input(const Conv2dParams& p, const T* dy, const T* w, T* dx);
// x, dy  ->  dw (K,C/G,KH,KW)
template <class T>
void gemm_conv2d_backward_weight(const Conv2dParams& p, const T* x, const T* dy, T* dw);

}  // namespace nabla::kernels::cpu::detail
