// RoIAlign (Mask R-CNN; ONNX RoiAlign, torchvision.ops.roi_align): one fixed-size feature patch
// per box, each output cell the pooled bilinear samples of its bin. Differentiable in the
// features (not in the boxes, as torchvision), so a detector head trains through it.
#pragma once
#include <cstdint>

#include "nabla/core/tensor.hpp"

namespace nabla::vision {

enum class RoiAlignMode {
  Avg,        // mean of the bin's bilinear samples (torchvision, ONNX "avg")
  Max,        // max of the bin's bilinear samples
  MaxCorner,  // ONNX "max" as onnxruntime and the ONNX reference compute it: the max over the
              // samples of the largest weighted corner term w_k * v_k, not of the interpolated
              // value (kept to agree with them; Max is the usual meaning)
};

struct RoiAlignOptions {
  int64_t output_h = 1, output_w = 1;
  double spatial_scale = 1.0;  // box coordinates * spatial_scale = feature coordinates
  int64_t sampling_ratio = 0;  // samples per bin side; <= 0: adaptive ceil(roi size / output)
  // true: pixel centres at +0.5 (torchvision aligned=True, ONNX half_pixel, opset 16's
  // default); false: the legacy rule, boxes grown to at least 1x1 (ONNX output_half_pixel and
  // opset 10)
  bool aligned = false;
  RoiAlignMode mode = RoiAlignMode::Avg;
};

// features (N, C, H, W) float; boxes (K, 4) as (x1, y1, x2, y2) in input coordinates;
// batch_indices (K) int64, the image of each box. Returns (K, C, output_h, output_w) in the
// features' dtype. Gradient flows to the features only.
Tensor roi_align(const Tensor& features, const Tensor& boxes, const Tensor& batch_indices,
                 const RoiAlignOptions& options = {});

}  // namespace nabla::vision
