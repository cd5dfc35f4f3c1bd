// Fast CPU convolution kernels. Same signatures, layouts and semantics as the reference
// (nabla/kernels/reference/conv.hpp), which they must match:
//   conv2d:            x (N,C,H,W)  w (K, C/G, KH, KW)  b (K)  y (N,K,OH,OW)
//   conv_transpose2d:  x (N,C,H,W)  w (C, K/G, KH, KW)  b (K)  y (N,K,OH,OW)
// Contiguous NCHW, bias may be null, outputs are overwritten.
//
// Engines: float32 goes to oneDNN (the library PyTorch's CPU convolution uses) when nabla was
// built with it and the shape is one where it measured faster; single-input-channel layers
// (LeNet conv1) use a direct kernel for forward and weight gradient; everything else, and all
// other float64 work, runs im2col + OpenBLAS GEMM. Threads come from nabla::parallel_for / OpenMP;
// scratch lives in per-thread buffers that grow once and are reused, so steady-state calls do not
// allocate (oneDNN keeps its own cached buffers).
#pragma once
#include "nabla/kernels/conv_params.hpp"

namespace nabla::kernels::cpu {

enum class ConvEngine { Auto, Im2colGemm, Dnnl, Direct };
// Forces an engine (tests use it to check each against the reference). Dnnl falls back to
// im2col when oneDNN is missing or rejects the shape; Direct (single input channel, see
// cpu/conv_direct.hpp) falls back to im2col elsewhere and for the input gradient.
// Process-wide; not thread-safe to change while convolutions run.
void set_conv_engine(ConvEngine e);
ConvEngine conv_engine();
bool have_dnnl();

template <class T>
void conv2d_forward(const Conv2dParams& p, const T* x, const T* w, const T* b, T* y);
template <class T>
void conv2d_backward_input(const Conv2dParams& p, const T* dy, const T* w, T* dx);
template <class T>
void conv2d_backward_weight(const Conv2dParams& p, const T* x, const T* dy, T* dw);
template <class T>
void conv2d_backward_bias(const Conv2dParams& p, const T* dy, T* db);
// Both of the above in one call: oneDNN reads dy once for the two.
template <class T>
void conv2d_backward_weight_bias(const Conv2dParams& p, const T* x, const T* dy, T* dw, T* db);

template <class T>
void conv_transpose2d_forward(const ConvTranspose2dParams& p, const T* x, const T* w, const T* b,
                              T* y);
template <class T>
void conv_transpose2d_backward_input(const ConvTranspose2dParams& p, const T* dy, const T* w,
                                     T* dx);
template <class T>
void conv_transpose2d_backward_weight(const ConvTranspose2dParams& p, const T* x, const T* dy,
                                      T* dw);
template <class T>
void conv_transpose2d_backward_bias(const ConvTranspose2dParams& p, const T* dy, T* db);

}  // namespace nabla::kernels::cpu
