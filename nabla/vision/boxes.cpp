// Box IoU and greedy NMS on plain vectors of doubles: selection, so no autograd; the IoU rule
// (zero-area boxes and empty overlaps give 0, "suppressed" means IoU > threshold) is
// onnxruntime's, which torchvision's nms agrees with on boxes that have an area.
#include "nabla/vision/boxes.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "nabla/core/error.hpp"

namespace nabla::vision {
namespace {

struct Box {
  double x1, y1, x2, y2;
  double area() const { return (x2 - x1) * (y2 - y1); }
};

void check_boxes(const Tensor& b, const char* op) {
  NABLA_CHECK(b.defined() && b.dim() == 2 && b.size(1) == 4 && is_floating(b.dtype()), op,
              "expected float boxes (K, 4), got ",
              b.defined() ? dtype_name(b.dtype()) + std::string(" ") + shape_str(b.shape())
                          : std::string("an undefined tensor"));
}

Box to_xyxy(const double* v, BoxFormat f) {
  double x1 = v[0], y1 = v[1], x2 = v[2], y2 = v[3];
  if (f == BoxFormat::YXYX) x1 = v[1], y1 = v[0], x2 = v[3], y2 = v[2];
  if (f == BoxFormat::CXCYWH)
    x1 = v[0] - v[2] / 2, x2 = v[0] + v[2] / 2, y1 = v[1] - v[3] / 2, y2 = v[1] + v[3] / 2;
  return {std::min(x1, x2), std::min(y1, y2), std::max(x1, x2), std::max(y1, y2)};
}

std::vector<Box> read_boxes(const double* v, int64_t n, BoxFormat f) {
  std::vector<Box> out;
  out.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) out.push_back(to_xyxy(v + 4 * i, f));
  return out;
}

double iou(const Box& a, const Box& b) {
  const double w = std::min(a.x2, b.x2) - std::max(a.x1, b.x1),
               h = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0;
  const double inter = w * h, uni = a.area() + b.area() - inter;
  if (a.area() <= 0 || b.area() <= 0 || uni <= 0) return 0;
  return inter / uni;
}

// Greedy NMS on one set of boxes and scores: indices into them.
std::vector<int64_t> nms_indices(const std::vector<Box>& boxes, const double* scores,
                                 const NmsOptions& o) {
  std::vector<int64_t> order;
  for (int64_t i = 0; i < static_cast<int64_t>(boxes.size()); ++i)
    // a NaN score is never a candidate (and would break the sort's ordering)
    if (!std::isnan(scores[i]) && (!o.score_threshold || scores[i] > *o.score_threshold))
      order.push_back(i);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return scores[a] > scores[b]; });
  std::vector<int64_t> kept;
  for (int64_t i : order) {
    if (o.max_output >= 0 && static_cast<int64_t>(kept.size()) >= o.max_output) break;
    bool keep = true;
    for (int64_t k : kept) keep = keep && !(iou(boxes[i], boxes[k]) > o.iou_threshold);
    if (keep) kept.push_back(i);
  }
  return kept;
}

}  // namespace

Tensor boxes_to_xyxy(const Tensor& boxes, BoxFormat format) {
  check_boxes(boxes, "boxes_to_xyxy");
  const auto v = boxes.to_vector<double>();
  std::vector<double> out;
  for (const Box& b : read_boxes(v.data(), boxes.size(0), format))
    out.insert(out.end(), {b.x1, b.y1, b.x2, b.y2});
  return Tensor::from_vector(out, {boxes.size(0), 4});
}

Tensor box_iou(const Tensor& a, const Tensor& b) {
  check_boxes(a, "box_iou");
  check_boxes(b, "box_iou");
  const auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  const auto ba = read_boxes(va.data(), a.size(0), BoxFormat::XYXY),
             bb = read_boxes(vb.data(), b.size(0), BoxFormat::XYXY);
  std::vector<double> out;
  out.reserve(ba.size() * bb.size());
  for (const Box& x : ba)
    for (const Box& y : bb) out.push_back(iou(x, y));
  return Tensor::from_vector(out, {a.size(0), b.size(0)});
}

Tensor nms(const Tensor& boxes, const Tensor& scores, const NmsOptions& options) {
  check_boxes(boxes, "nms");
  NABLA_CHECK(scores.defined() && scores.dim() == 1 && scores.size(0) == boxes.size(0), "nms",
              "expected ", boxes.size(0), " scores (one per box), got ",
              scores.defined() ? shape_str(scores.shape()) : std::string("an undefined tensor"));
  const auto vb = boxes.to_vector<double>(), vs = scores.to_vector<double>();
  auto kept =
      nms_indices(read_boxes(vb.data(), boxes.size(0), BoxFormat::XYXY), vs.data(), options);
  return Tensor::from_vector(kept, {static_cast<int64_t>(kept.size())});
}

Tensor batched_class_nms(const Tensor& boxes, const Tensor& scores, BoxFormat format,
                         const NmsOptions& options) {
  const char* op = "batched_class_nms";
  NABLA_CHECK(boxes.defined() && scores.defined() && boxes.dim() == 3 && boxes.size(2) == 4 &&
                  scores.dim() == 3 && scores.size(0) == boxes.size(0) &&
                  scores.size(2) == boxes.size(1),
              op, "expected boxes (B, K, 4) and scores (B, C, K), got ",
              boxes.defined() ? shape_str(boxes.shape()) : "undefined", " and ",
              scores.defined() ? shape_str(scores.shape()) : "undefined");
  const int64_t nb = boxes.size(0), nk = boxes.size(1), nc = scores.size(1);
  const auto vb = boxes.to_vector<double>(), vs = scores.to_vector<double>();
  std::vector<int64_t> rows;
  for (int64_t b = 0; b < nb; ++b) {
    const auto bx = read_boxes(vb.data() + b * nk * 4, nk, format);
    for (int64_t c = 0; c < nc; ++c)
      for (int64_t i : nms_indices(bx, vs.data() + (b * nc + c) * nk, options))
        rows.insert(rows.end(), {b, c, i});
  }
  return Tensor::from_vector(rows, {static_cast<int64_t>(rows.size() / 3), 3});
}

}  // namespace nabla::vision
