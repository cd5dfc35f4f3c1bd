// Direct convolution for a single input channel (internal to nabla/kernels/cpu; use
// cpu/conv.hpp). A network's first layer on grey images (LeNet conv1: C=1, K=6, 5x5) is a
// poor GEMM: im2col makes K=25-deep products with only K rows. Here each output row is
// accumulated in registers from a zero-padded copy of the image instead.
#pragma once
#include "nabla/kernels/conv_params.hpp"

namespace nabla::kernels::cpu::detail {

// C == 1, groups == 1, stride_w == 1 (any stride_h, padding, dilation).
bool direct_applicable(const Conv2dParams& p);
// x (N,1,H,W)  w (K,1,KH,KW)  b (K) or null  ->  y (N,K,OH,OW)
template <class T>
void direct_conv2d_forward(const Conv2dParams& p, const T* x, const T* w, const T* b, T* y);
// x (N,1,H,W)  dy (N,K,OH,OW)  ->  dw (K,1,KH,KW)
template <class T>
void direct_conv2d_backward_weight(const Conv2dParams& p, const T* x, const T* dy, T* dw);

}  // namespace nabla::kernels::cpu::detail
