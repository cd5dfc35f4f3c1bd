// Differentiable pooling over NCHW tensors (see DESIGN.md, notes section 1 "max pooling" and
// section 9 "spatial pyramid pooling"). Every op accepts a batch (N,C,H,W) or one image (C,H,W)
// and returns the same rank; float32 and float64. Shapes and values follow PyTorch's
// torch.nn.functional: output size floor((H + 2P - D(K-1) - 1)/S) + 1 (ceil with ceil_mode, where
// the last window must start inside the input or the left padding), padding at most half the
// kernel, padded cells never win a max, and avg-pool divisors as PyTorch counts them.
#pragma once
#include <cstdint>
#include <optional>
#include <utility>

#include "nabla/core/tensor.hpp"
#include "nabla/kernels/pool_params.hpp"
#include "nabla/ops/size2.hpp"

namespace nabla {

// The functional ops' arguments (PyTorch's C++ *FuncOptions); nn::MaxPool2dOptions and
// nn::AvgPool2dOptions are the layers' own, without the kernel size (a constructor argument).
struct MaxPool2dFuncOptions {
  Size2 kernel = 0;                            // required, > 0
  std::optional<Size2> stride = std::nullopt;  // default: the kernel
  Size2 padding = 0;                           // implicit -inf, at most kernel/2
  Size2 dilation = 1;
  bool ceil_mode = false;
};

struct AvgPool2dFuncOptions {
  Size2 kernel = 0;                            // required, > 0
  std::optional<Size2> stride = std::nullopt;  // default: the kernel
  Size2 padding = 0;                           // implicit zeros, at most kernel/2
  bool ceil_mode = false;
  bool count_include_pad = true;  // divide by the padded window size (PyTorch's default)
  std::optional<int64_t> divisor_override = std::nullopt;  // divide every window by this (non-zero)
};

struct MaxPool1dFuncOptions {
  int64_t kernel = 0;
  std::optional<int64_t> stride = std::nullopt;  // default: the kernel
  int64_t padding = 0;
  int64_t dilation = 1;
  bool ceil_mode = false;
};

struct AvgPool1dFuncOptions {
  int64_t kernel = 0;
  std::optional<int64_t> stride = std::nullopt;  // default: the kernel
  int64_t padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;
};

// floor((in + 2*pad - dilation*(kernel-1) - 1) / stride) + 1, or ceil in ceil_mode (PyTorch's
// rule).
using kernels::pool_output_size;
// Adaptive window i of `out` over `in`: [floor(i*in/out), ceil((i+1)*in/out)).
using kernels::adaptive_pool_end;
using kernels::adaptive_pool_start;

// Output shapes of the ops below for an input shape; they throw the same errors as the ops.
Shape max_pool2d_output_shape(const Shape& input, const MaxPool2dFuncOptions& opt);
Shape avg_pool2d_output_shape(const Shape& input, const AvgPool2dFuncOptions& opt);
Shape adaptive_pool2d_output_shape(const Shape& input, Size2 output_size);

// x: (N,C,H,W) or (C,H,W) -> (N,C,OH,OW) or (C,OH,OW). The gradient goes to the first maximum
// of each window (ties: the first in row-major order; a NaN wins and propagates).
Tensor max_pool2d(const Tensor& x, const MaxPool2dFuncOptions& opt);
// Also returns the int64 argmax of each window as the flat index h*W+w inside its (H,W) plane
// (PyTorch's return_indices=True); the gradient flows through the values.
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, const MaxPool2dFuncOptions& opt);
Tensor avg_pool2d(const Tensor& x, const AvgPool2dFuncOptions& opt);

// Windows [floor(i*H/OH), ceil((i+1)*H/OH)) x [...W...]: any input size -> a fixed output size
// (spatial pyramid pooling uses several of these). output_size >= 1; it may exceed the input.
Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size);
Tensor adaptive_max_pool2d(const Tensor& x, Size2 output_size);
std::pair<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& x, Size2 output_size);

// Adaptive pooling to 1x1: (N,C,H,W) -> (N,C,1,1), (C,H,W) -> (C,1,1).
Tensor global_avg_pool2d(const Tensor& x);
Tensor global_max_pool2d(const Tensor& x);

// x: (N,C,L) or (C,L); the 2-D rules on a height-1 image.
Tensor max_pool1d(const Tensor& x, const MaxPool1dFuncOptions& opt);
Tensor avg_pool1d(const Tensor& x, const AvgPool1dFuncOptions& opt);

}  // namespace nabla
