// oneDNN convolution (internal to nabla/kernels/cpu; use cpu/conv.hpp). float32, NCHW user
// layout; each returns false when oneDNN is not built in or rejects the shape, and the caller
// then falls back to im2col + GEMM.
#pragma once
#include "nabla/kernels/conv_params.hpp"

namespace nabla::kernels::cpu::detail {

bool dnnl_available();
// x (N,C,H,W)  w (K,C/G,KH,KW)  b (K) or null  ->  y (N,K,OH,OW)
bool dnnl_conv2d_forward(const Conv2dParams& p, const float* x, const float* w, const float* b,
                         float* y);
// dy (N,K,OH,OW)  w  ->  dx (N,C,H,W)
bool dnnl_conv2d_backward_input(const Conv2dParams& p, const float* dy, const float* w, float* dx);
// x, dy  ->  dw (K,C/G,KH,KW), and db (K) too when db is not null
bool dnnl_conv2d_backward_weight(const Conv2dParams& p, const float* x, const float* dy, float* dw,
                                 float* db);

}  // namespace nabla::kernels::cpu::detail
