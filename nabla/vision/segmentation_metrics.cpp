#include "nabla/vision/segmentation_metrics.hpp"

#include <cmath>
#include <limits>

#include "nabla/core/error.hpp"
#include "nabla/ops/reduce.hpp"

namespace nabla::vision {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

SegmentationMetrics::SegmentationMetrics(int64_t num_classes)
    : num_classes_(num_classes),
      confusion_(static_cast<size_t>(num_classes > 0 ? num_classes * num_classes : 0), 0) {
  NABLA_CHECK(num_classes > 0, "SegmentationMetrics", "num_classes must be positive, got ",
              num_classes);
}

void SegmentationMetrics::add(const Tensor& predicted, const Tensor& truth) {
  NABLA_CHECK(predicted.dtype() == DType::Int64 && truth.dtype() == DType::Int64,
              "SegmentationMetrics", "expected int64 class maps, got ",
              dtype_name(predicted.dtype()), " and ", dtype_name(truth.dtype()));
  NABLA_CHECK(predicted.shape() == truth.shape(), "SegmentationMetrics",
              "prediction and truth differ in shape: ", shape_str(predicted.shape()), " vs ",
              shape_str(truth.shape()));
  const std::vector<int64_t> p = predicted.to_vector<int64_t>(), t = truth.to_vector<int64_t>();
  for (size_t i = 0; i < p.size(); ++i) {
    NABLA_CHECK(p[i] >= 0 && p[i] < num_classes_ && t[i] >= 0 && t[i] < num_classes_,
                "SegmentationMetrics", "pixel ", i, " has class ", t[i], " (truth) / ", p[i],
                " (predicted), outside [0, ", num_classes_, ")");
    ++confusion_[static_cast<size_t>(t[i] * num_classes_ + p[i])];
  }
  pixels_ += static_cast<int64_t>(p.size());
}

int64_t SegmentationMetrics::confusion(int64_t truth, int64_t predicted) const {
  NABLA_CHECK(truth >= 0 && truth < num_classes_ && predicted >= 0 && predicted < num_classes_,
              "SegmentationMetrics::confusion", "class out of range [0, ", num_classes_, ")");
  return confusion_[static_cast<size_t>(truth * num_classes_ + predicted)];
}

std::vector<double> SegmentationMetrics::class_iou() const {
  std::vector<double> iou(static_cast<size_t>(num_classes_), kNaN);
  for (int64_t c = 0; c < num_classes_; ++c) {
    int64_t row = 0, col = 0;  // truth c; predicted c
    for (int64_t k = 0; k < num_classes_; ++k) {
      row += confusion(c, k);
      col += confusion(k, c);
    }
    const int64_t tp = confusion(c, c), uni = row + col - tp;
    if (uni > 0) iou[static_cast<size_t>(c)] = static_cast<double>(tp) / static_cast<double>(uni);
  }
  return iou;
}

double SegmentationMetrics::mean_iou() const {
  double sum = 0;
  int64_t n = 0;
  for (double v : class_iou())
    if (!std::isnan(v)) {
      sum += v;
      ++n;
    }
  return n > 0 ? sum / static_cast<double>(n) : kNaN;
}

double SegmentationMetrics::pixel_accuracy() const {
  if (pixels_ == 0) return kNaN;
  int64_t ok = 0;
  for (int64_t c = 0; c < num_classes_; ++c) ok += confusion(c, c);
  return static_cast<double>(ok) / static_cast<double>(pixels_);
}

Tensor predict_classes(const Tensor& scores) {
  NABLA_CHECK(scores.dim() == 4, "predict_classes", "expected (N, C, H, W) scores, got ",
              shape_str(scores.shape()));
  return argmax(scores, 1);
}

}  // namespace nabla::vision
