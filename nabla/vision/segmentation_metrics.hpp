// Semantic-segmentation scores (notes §9-1): every pixel is one classification, so the scores
// come from one confusion matrix of pixels over the scene classes (0 background, 1..10 the
// Fashion-MNIST classes).
//
// IoU of class c = TP / (TP + FP + FN) = confusion[c][c] / (row c + column c - confusion[c][c]).
// Mean IoU averages the classes whose union is not empty, i.e. that occur in the ground truth or
// the prediction: a class absent from both has no IoU (0/0) and is left out, as in torchmetrics'
// JaccardIndex and the PASCAL VOC scorer. On a test set of hundreds of scenes all 11 classes
// occur, so this is the mean over the 11 classes; on a tiny set it does not punish a model for
// a class nobody drew. A class the model predicts but the truth lacks has IoU 0 and counts.
// Pixel accuracy = trace / total: dominated by the background, which is why mIoU is the headline.
#pragma once
#include <cstdint>
#include <vector>

#include "nabla/core/tensor.hpp"

namespace nabla::vision {

class SegmentationMetrics {
 public:
  explicit SegmentationMetrics(int64_t num_classes);

  // predicted and truth: int64 class maps of one shape ((H, W) or (N, H, W)), values in
  // [0, num_classes); nabla::Error otherwise (a mask of another class set must not be scored).
  void add(const Tensor& predicted, const Tensor& truth);

  int64_t num_classes() const { return num_classes_; }
  int64_t pixels() const { return pixels_; }
  // confusion(t, p): pixels of true class t predicted as p.
  int64_t confusion(int64_t truth, int64_t predicted) const;
  const std::vector<int64_t>& confusion_matrix() const { return confusion_; }  // row = truth

  // Per class; NaN for a class absent from truth and prediction alike.
  std::vector<double> class_iou() const;
  // Mean over the classes that have an IoU; NaN when nothing was added.
  double mean_iou() const;
  // Correct pixels / all pixels; NaN when nothing was added.
  double pixel_accuracy() const;

 private:
  int64_t num_classes_;
  int64_t pixels_ = 0;
  std::vector<int64_t> confusion_;
};

// The most likely class of every pixel: (N, C, H, W) scores -> (N, H, W) int64 (first max wins).
Tensor predict_classes(const Tensor& scores);

}  // namespace nabla::vision
