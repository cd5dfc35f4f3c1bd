// Segmentation scores on hand-made masks whose confusion matrix is worked out by hand, the mask
// overlay's colours, and the errors for masks that must not be scored.
#include <gtest/gtest.h>

#include <cmath>

#include "nabla/core/error.hpp"
#include "nabla/vision/overlay.hpp"
#include "nabla/vision/segmentation_metrics.hpp"

namespace nabla::vision {
namespace {

Tensor mask(std::vector<int64_t> v, Shape s) { return Tensor::from_vector(v, s); }

// truth   0 0 1     predicted 0 1 1
//         1 2 2               1 2 0
// confusion (row truth): [1 1 0 | 0 2 0 | 1 0 1]
// IoU: 0 -> 1 / (2 + 2 - 1) = 1/3; 1 -> 2 / (2 + 3 - 2) = 2/3; 2 -> 1 / (2 + 1 - 1) = 1/2
TEST(SegmentationMetrics, IouAndPixelAccuracyOfAHandMadeMask) {
  SegmentationMetrics m(4);
  m.add(mask({0, 1, 1, 1, 2, 0}, {2, 3}), mask({0, 0, 1, 1, 2, 2}, {2, 3}));
  EXPECT_EQ(m.confusion(0, 0), 1);
  EXPECT_EQ(m.confusion(0, 1), 1);
  EXPECT_EQ(m.confusion(1, 1), 2);
  EXPECT_EQ(m.confusion(2, 0), 1);
  EXPECT_EQ(m.confusion(2, 2), 1);
  EXPECT_EQ(m.pixels(), 6);
  const auto iou = m.class_iou();
  EXPECT_NEAR(iou[0], 1.0 / 3, 1e-12);
  EXPECT_NEAR(iou[1], 2.0 / 3, 1e-12);
  EXPECT_NEAR(iou[2], 0.5, 1e-12);
  EXPECT_TRUE(std::isnan(iou[3]));        // in neither truth nor prediction: no IoU
  EXPECT_NEAR(m.mean_iou(), 0.5, 1e-12);  // (1/3 + 2/3 + 1/2) / 3, class 3 left out
  EXPECT_NEAR(m.pixel_accuracy(), 4.0 / 6, 1e-12);
}

TEST(SegmentationMetrics, AClassOnlyPredictedCountsAsZeroAndBatchesAccumulate) {
  SegmentationMetrics m(3);
  // batch (2, 1, 2): a perfect first image, then class 2 predicted where the truth is 0
  m.add(mask({0, 1, 2, 0}, {2, 1, 2}), mask({0, 1, 0, 0}, {2, 1, 2}));
  const auto iou = m.class_iou();
  EXPECT_NEAR(iou[0], 2.0 / 3, 1e-12);  // tp 2, truth 3, predicted 2
  EXPECT_NEAR(iou[1], 1.0, 1e-12);
  EXPECT_NEAR(iou[2], 0.0, 1e-12);  // a false alarm is a class with IoU 0, not a skipped one
  EXPECT_NEAR(m.mean_iou(), (2.0 / 3 + 1 + 0) / 3, 1e-12);
  m.add(mask({1}, {1, 1}), mask({1}, {1, 1}));
  EXPECT_EQ(m.pixels(), 5);
  EXPECT_NEAR(m.pixel_accuracy(), 4.0 / 5, 1e-12);
}

TEST(SegmentationMetrics, EmptyIsNanAndBadMasksAreErrors) {
  SegmentationMetrics m(11);
  EXPECT_TRUE(std::isnan(m.mean_iou()));
  EXPECT_TRUE(std::isnan(m.pixel_accuracy()));
  EXPECT_THROW(m.add(mask({0, 1}, {2}), mask({0, 1, 1}, {3})), Error);  // shapes differ
  EXPECT_THROW(m.add(mask({0, 11}, {2}), mask({0, 1}, {2})), Error);    // class out of range
  EXPECT_THROW(m.add(mask({0, 1}, {2}), mask({-1, 1}, {2})), Error);
  EXPECT_THROW(m.add(Tensor::zeros({2}), mask({0, 1}, {2})), Error);  // not int64
  EXPECT_EQ(m.pixels(), 0);
  EXPECT_THROW(SegmentationMetrics(0), Error);
}

TEST(SegmentationMetrics, PredictClassesTakesTheArgmaxOverChannels) {
  // (1, 3, 1, 2): pixel 0 scores (0.1, 0.7, 0.2) -> 1; pixel 1 (0.5, 0.1, 0.9) -> 2
  const Tensor scores =
      Tensor::from_vector(std::vector<float>{0.1f, 0.5f, 0.7f, 0.1f, 0.2f, 0.9f}, {1, 3, 1, 2});
  const Tensor p = predict_classes(scores);
  EXPECT_EQ(p.shape(), (Shape{1, 1, 2}));
  EXPECT_EQ(p.to_vector<int64_t>(), (std::vector<int64_t>{1, 2}));
  EXPECT_THROW(predict_classes(Tensor::zeros({3, 2})), Error);
}

TEST(MaskOverlay, TintsGarmentsWithTheirPaletteColourAndLeavesBackgroundGrey) {
  const Tensor scene = Tensor::full({1, 1, 2}, 0.5);
  const Tensor rgb = mask_overlay(scene, mask({0, 3}, {1, 2}));  // class 3 = palette[2], yellow
  ASSERT_EQ(rgb.shape(), (Shape{3, 1, 2}));
  const auto v = rgb.to_vector<float>();
  for (int k = 0; k < 3; ++k) {
    EXPECT_FLOAT_EQ(v[k * 2], 0.5f);  // background: the grey scene
    EXPECT_NEAR(v[k * 2 + 1], 0.45f * 0.5f + 0.55f * class_palette()[2][k], 1e-6);
  }
  EXPECT_THROW(mask_overlay(scene, mask({0, 11}, {1, 2})), Error);
  EXPECT_THROW(mask_overlay(scene, mask({0, 1, 1}, {1, 3})), Error);  // scene is 1x2
}

}  // namespace
}  // namespace nabla::vision
