// Convolution and transposed convolution over volumes (N, C, D, H, W), built from nabla's 2-D
// kernels: a 3-D kernel is a stack of kD 2-D kernels, one per depth offset, so a 3-D convolution
// is a sum over that offset of 2-D convolutions with the depth folded into the batch. Used by the
// ONNX importer (Conv / ConvTranspose on rank-5 inputs); not a fast path.
#pragma once
#include <array>
#include <cstdint>

#include "nabla/core/tensor.hpp"

namespace nabla::onnx {

// Per axis, in the order (D, H, W).
struct VolumeWindow {
  std::array<int64_t, 3> stride{1, 1, 1}, dilation{1, 1, 1}, pad_begin{0, 0, 0}, pad_end{0, 0, 0};
  int64_t groups = 1;
};

// x (N, C, D, H, W), w (Cout, C/groups, kD, kH, kW), bias (Cout) or undefined.
Tensor conv3d_by_depth(const Tensor& x, const Tensor& w, const Tensor& bias, const VolumeWindow& o);

// The full transposed convolution (no padding, no output padding: the caller crops):
// x (N, Cin, D, H, W), w (Cin, Cout/groups, kD, kH, kW) -> (N, Cout, (D-1)s+(kD-1)d+1, ...).
Tensor conv_transpose3d_full(const Tensor& x, const Tensor& w, const VolumeWindow& o);

}  // namespace nabla::onnx
