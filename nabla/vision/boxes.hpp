// Box geometry for detection: pairwise IoU and non-maximum suppression (forward only: they
// select, nothing flows back through them), plus the per-image, per-class NMS of ONNX's
// NonMaxSuppression.
#pragma once
#include <cstdint>
#include <optional>

#include "nabla/core/tensor.hpp"

namespace nabla::vision {

enum class BoxFormat {
  XYXY,    // (x1, y1, x2, y2): torchvision's
  YXYX,    // (y1, x1, y2, x2): ONNX NonMaxSuppression with center_point_box = 0
  CXCYWH,  // (x centre, y centre, width, height): ONNX center_point_box = 1
};

// (K, 4) boxes in `format` -> (K, 4) float64 (x1, y1, x2, y2) with x1 <= x2 and y1 <= y2 (any
// pair of opposite corners is accepted, as ONNX allows).
Tensor boxes_to_xyxy(const Tensor& boxes, BoxFormat format);

// IoU of every box of a (N, 4) with every box of b (M, 4), both XYXY: (N, M) float64. Boxes
// with no area, or no overlap, give 0.
Tensor box_iou(const Tensor& a, const Tensor& b);

struct NmsOptions {
  double iou_threshold = 0.5;               // a box overlapping a kept one by IoU > this goes
  std::optional<double> score_threshold{};  // only boxes with score > this are candidates
  int64_t max_output = -1;                  // keep at most this many (< 0: no limit)
};

// Greedy NMS over (K, 4) XYXY boxes and (K) scores: the kept indices (int64, 1-D), by
// decreasing score (ties: lower index first).
Tensor nms(const Tensor& boxes, const Tensor& scores, const NmsOptions& options = {});

// ONNX NonMaxSuppression: boxes (B, K, 4) in `format`, scores (B, C, K); NMS per image and
// class with options.max_output boxes per class (ONNX's max_output_boxes_per_class; 0 keeps
// none). Returns (S, 3) int64 rows (image, class, box), images then classes in order.
Tensor batched_class_nms(const Tensor& boxes, const Tensor& scores, BoxFormat format,
                         const NmsOptions& options);

}  // namespace nabla::vision
