// Shapes of a 2-D convolution and of a transposed convolution, shared by the reference and the
// fast kernels. Layout everywhere is NCHW with contiguous tensors:
//   conv2d:            x (N,C,H,W)  w (K, C/G, KH, KW)  b (K)  y (N,K,OH,OW)
//   conv_transpose2d:  x (N,C,H,W)  w (C, K/G, KH, KW)  b (K)  y (N,K,OH,OW)
// (C = input channels, K = output channels, G = groups, as in PyTorch.)
#pragma once
#include <cstdint>

#include "nabla/core/checked.hpp"

namespace nabla::kernels {

// Output size of the notes: (H + P_total - D(K-1) - 1) / S + 1, with P_total = pad_before +
// pad_after (2P when symmetric). May be <= 0 when the kernel does not fit; callers check.
// Every term comes from user input (configs, ONNX files), so the arithmetic is checked: a
// dilation of 2^62 must be an error, not a wrapped size that trains.
inline int64_t conv_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad_before,
                                int64_t pad_after, int64_t dilation) {
  constexpr const char* op = "conv2d";
  const int64_t padded =
      checked_add(checked_add(in, pad_before, op, "padded size"), pad_after, op, "padded size");
  const int64_t reach = checked_mul(dilation, checked_sub(kernel, 1, op, "kernel reach"), op,
                                    "kernel reach (dilation * (kernel - 1))");
  const int64_t span =
      checked_sub(checked_sub(padded, reach, op, "output span"), 1, op, "output span");
  // floor division (C++ truncates toward zero; a negative span means "does not fit")
  return span < 0 ? 0 : span / stride + 1;
}

// The inverse map, used by the transposed convolution:
// (H - 1) S - P_total + D(K-1) + output_padding + 1.
inline int64_t conv_transpose_output_size(int64_t in, int64_t kernel, int64_t stride,
                                          int64_t pad_before, int64_t pad_after, int64_t dilation,
                                          int64_t output_padding) {
  constexpr const char* op = "conv_transpose2d";
  const char* what = "output size";
  int64_t r = checked_mul(checked_sub(in, 1, op, what), stride, op, what);
  r = checked_sub(checked_sub(r, pad_before, op, what), pad_after, op, what);
  r = checked_add(r, checked_mul(dilation, checked_sub(kernel, 1, op, what), op, what), op, what);
  return checked_add(checked_add(r, output_padding, op, what), 1, op, what);
}

struct Conv2dParams {
  int64_t n = 1, c = 1, h = 1, w = 1;  // input (N,C,H,W)
  int64_t k = 1;                       // output channels
  int64_t kh = 1, kw = 1;              // kernel size
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
  int64_t oh = 0, ow = 0;  // output size; set by finalize() or explicitly

  int64_t c_per_group() const { return c / groups; }
  int64_t k_per_group() const { return k / groups; }
  int64_t x_numel() const { return n * c * h * w; }
  int64_t w_numel() const { return k * c_per_group() * kh * kw; }
  int64_t y_numel() const { return n * k * oh * ow; }

  // Fills oh/ow from the formula above.
  Conv2dParams& finalize() {
    oh = conv_output_size(h, kh, stride_h, pad_top, pad_bottom, dilation_h);
    ow = conv_output_size(w, kw, stride_w, pad_left, pad_right, dilation_w);
    return *this;
  }
};

// Transposed convolution: the adjoint of a conv2d, so its forward is conv2d's backward-data.
// x (N,C,H,W) -> y (N,K,OH,OW) with OH from conv_transpose_output_size.
struct ConvTranspose2dParams {
  int64_t n = 1, c = 1, h = 1, w = 1;  // input (N,C,H,W)
  int64_t k = 1;                       // output channels
  int64_t kh = 1, kw = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  int64_t output_padding_h = 0, output_padding_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t groups = 1;
  int64_t oh = 0, ow = 0;

  int64_t c_per_group() const { return c / groups; }
  int64_t k_per_group() const { return k / groups; }
  int64_t x_numel() const { return n * c * h * w; }
  int64_t w_numel() const { return c * k_per_group() * kh * kw; }
  int64_t y_numel() const { return n * k * oh * ow; }

  ConvTranspose2dParams& finalize() {
    oh = conv_transpose_output_size(h, kh, stride_h, pad_top, pad_bottom, dilation_h,
                                    output_padding_h);
    ow = conv_transpose_output_size(w, kw, stride_w, pad_left, pad_right, dilation_w,
                                    output_padding_w);
    return *this;
  }

  // The conv2d whose backward-data this is: its input is our output (N,K,OH,OW), its output is
  // our input (N,C,H,W), its weight (C, K/G, KH, KW) is our weight unchanged. The output size is
  // set explicitly (not from the formula) because output_padding rows only exist on our side.
  Conv2dParams as_conv2d() const {
    Conv2dParams p;
    p.n = n;
    p.c = k;
    p.h = oh;
    p.w = ow;
    p.k = c;
    p.kh = kh;
    p.kw = kw;
    p.stride_h = stride_h;
    p.stride_w = stride_w;
    p.pad_top = pad_top;
    p.pad_bottom = pad_bottom;
    p.pad_left = pad_left;
    p.pad_right = pad_right;
    p.dilation_h = dilation_h;
    p.dilation_w = dilation_w;
    p.groups = groups;
    p.oh = h;
    p.ow = w;
    return p;
  }
};

}  // namespace nabla::kernels
