// Detection ops on nabla/vision: RoiAlign (differentiable in its features) and
// NonMaxSuppression (selection, forward only). RoiAlign's coordinate_transformation_mode came
// in opset 16 with half_pixel as its default; opset 10 behaves as output_half_pixel.
#include "nabla/onnx/ops.hpp"
#include "nabla/vision/boxes.hpp"
#include "nabla/vision/roi_align.hpp"

namespace nabla::onnx {
namespace {

using Outs = std::vector<Tensor>;

Outs roi_align_op(const OpContext& c) {
  vision::RoiAlignOptions o;
  const std::string coords = c.opset() >= 16
                                 ? c.attr_string("coordinate_transformation_mode", "half_pixel")
                                 : "output_half_pixel";
  if (coords != "half_pixel" && coords != "output_half_pixel")
    c.fail("unknown coordinate_transformation_mode '" + coords + "'");
  o.aligned = coords == "half_pixel";
  const std::string mode = c.attr_string("mode", "avg");
  if (mode != "avg" && mode != "max") c.fail("unknown mode '" + mode + "'");
  o.mode = mode == "avg" ? vision::RoiAlignMode::Avg : vision::RoiAlignMode::MaxCorner;
  o.output_h = c.attr_int("output_height", 1);
  o.output_w = c.attr_int("output_width", 1);
  o.sampling_ratio = c.attr_int("sampling_ratio", 0);
  o.spatial_scale = c.attr_float("spatial_scale", 1.0);
  if (o.sampling_ratio < 0) c.fail("sampling_ratio must be >= 0");
  if (c.input(2).dtype() != DType::Int64) c.fail("batch_indices must be integers");
  try {
    return {vision::roi_align(c.input(0), c.input(1), c.input(2), o)};
  } catch (const Error& e) {
    c.fail(e.what());
  }
}

// An optional one-element input (ONNX scalars may come as shape () or (1)).
double scalar_input(const OpContext& c, size_t i, double fallback) {
  if (!c.has_input(i)) return fallback;
  if (c.input(i).numel() != 1)
    c.fail("input " + std::to_string(i) + " must hold one value, got shape " +
           shape_str(c.input(i).shape()));
  return c.input(i).to_vector<double>()[0];
}

Outs nms_op(const OpContext& c) {
  const int64_t center = c.attr_int("center_point_box", 0);
  if (center != 0 && center != 1) c.fail("center_point_box must be 0 or 1");
  vision::NmsOptions o;
  const double max_out = scalar_input(c, 2, 0);
  if (max_out < 0) c.fail("max_output_boxes_per_class must be >= 0");
  // huge values (INT64_MAX is common) mean "no limit"
  o.max_output = max_out >= 9e18 ? -1 : static_cast<int64_t>(max_out);
  o.iou_threshold = scalar_input(c, 3, 0);
  if (c.has_input(4)) o.score_threshold = scalar_input(c, 4, 0);
  const auto format = center == 1 ? vision::BoxFormat::CXCYWH : vision::BoxFormat::YXYX;
  try {
    return {vision::batched_class_nms(c.input(0), c.input(1), format, o)};
  } catch (const Error& e) {
    c.fail(e.what());
  }
}

}  // namespace

void add_detect_ops(OpTable& t) {
  t["RoiAlign"] = roi_align_op;
  t["NonMaxSuppression"] = nms_op;
}

}  // namespace nabla::onnx
