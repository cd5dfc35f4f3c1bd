// Reference convolution kernels: plain loops that mirror the formulas, kept as the oracle for the
// fast path (nabla/kernels/cpu/conv.hpp). Slow on purpose; never used for real work.
// Layouts (contiguous, NCHW), with C/G input and K/G output channels per group:
//   conv2d:            x (N,C,H,W)  w (K, C/G, KH, KW)  b (K)  y (N,K,OH,OW)
//     y[n,k,i,j] = b[k] + sum_{c in group(k), p, q} w[k,c,p,q] * x[n,c, i*S-PT+p*D, j*S-PL+q*D]
//   conv_transpose2d:  x (N,C,H,W)  w (C, K/G, KH, KW)  b (K)  y (N,K,OH,OW)
//     y[n,k, i*S-PT+p*D, j*S-PL+q*D] += w[c,k,p,q] * x[n,c,i,j]   (a scatter: conv2d's adjoint)
// Out-of-range input positions are zero padding. Bias pointers may be null (no bias).
// Every function overwrites its output (no accumulation into what was there).
#pragma once
#include "nabla/kernels/conv_params.hpp"

namespace nabla::kernels::reference {

template <class T>
void conv2d_forward(const Conv2dParams& p, const T* x, const T* w, const T* b, T* y);
// dx (N,C,H,W) from dy (N,K,OH,OW)
template <class T>
void conv2d_backward_input(const Conv2dParams& p, const T* dy, const T* w, T* dx);
// dw (K, C/G, KH, KW) from x and dy
template <class T>
void conv2d_backward_weight(const Conv2dParams& p, const T* x, const T* dy, T* dw);
// db (K) = sum of dy over N, OH, OW
template <class T>
void conv2d_backward_bias(const Conv2dParams& p, const T* dy, T* db);

template <class T>
void conv_transpose2d_forward(const ConvTranspose2dParams& p, const T* x, const T* w, const T* b,
                              T* y);
// dx (N,C,H,W) from dy (N,K,OH,OW)
template <class T>
void conv_transpose2d_backward_input(const ConvTranspose2dParams& p, const T* dy, const T* w,
                                     T* dx);
// dw (C, K/G, KH, KW) from x and dy
template <class T>
void conv_transpose2d_backward_weight(const ConvTranspose2dParams& p, const T* x, const T* dy,
                                      T* dw);
template <class T>
void conv_transpose2d_backward_bias(const ConvTranspose2dParams& p, const T* dy, T* db);

}  // namespace nabla::kernels::reference
