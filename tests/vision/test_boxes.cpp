// box_iou, nms and the per-image, per-class NMS of ONNX on boxes whose overlaps are worked out
// by hand, every box format, and torchvision's nms on random boxes (make_detect_fixtures.py).
#include <gtest/gtest.h>

#include <cmath>

#include "nabla/core/error.hpp"
#include "nabla/ops/shape.hpp"
#include "nabla/vision/boxes.hpp"
#include "tests/support/fixtures.hpp"

namespace nabla::vision {
namespace {

Tensor boxes(const std::vector<double>& v) {
  const auto n = static_cast<int64_t>(v.size() / 4);
  return Tensor::from_vector(v, {n, 4});
}
Tensor vec(const std::vector<double>& v) {
  const auto n = static_cast<int64_t>(v.size());
  return Tensor::from_vector(v, {n});
}
std::vector<int64_t> kept(const Tensor& t) { return t.to_vector<int64_t>(); }

// [0,2]^2 and [1,3]^2 overlap in a unit square: IoU = 1 / (4 + 4 - 1) = 1/7.
TEST(Boxes, IouByHand) {
  const Tensor a = boxes({0, 0, 2, 2, 5, 5, 6, 6});
  const Tensor b = boxes({1, 1, 3, 3, 0, 0, 2, 2, 2, 1, 2, 4});
  const auto iou = box_iou(a, b);
  ASSERT_EQ(iou.shape(), (Shape{2, 3}));
  const auto v = iou.to_vector<double>();
  EXPECT_NEAR(v[0], 1.0 / 7, 1e-12);
  EXPECT_NEAR(v[1], 1.0, 1e-12);
  EXPECT_EQ(v[2], 0.0);  // zero-area box
  EXPECT_EQ(v[3], 0.0);  // disjoint
}

// (Built by swapping columns: g++ 12 -O3 -march=native stored the literal {2, 2, 0, 0} of a
// std::vector<double> here as 2, 2, 2, 2 after the literals above, a compiler bug.)
TEST(Boxes, OppositeCornersInEitherOrderAreTheSameBox) {
  const Tensor b = boxes({0, 0, 2, 2, 1, 1, 3, 3});
  const Tensor swap = Tensor::from_vector(std::vector<int64_t>{2, 3, 0, 1}, {4});
  const Tensor flipped = index_select(b, 1, swap);  // (2, 2, 0, 0) and (3, 3, 1, 1)
  EXPECT_EQ(flipped.to_vector<double>()[0], 2.0);
  const auto v = box_iou(flipped, b).to_vector<double>();
  EXPECT_NEAR(v[0], 1.0, 1e-12);
  EXPECT_NEAR(v[1], 1.0 / 7, 1e-12);
  EXPECT_NEAR(v[3], 1.0, 1e-12);
}

// A = [0,10]^2 (0.9), B = [1,11]^2 (0.8; IoU with A 81/119 = 0.68), C = [20,30]^2 (0.7),
// D = [0,10]x[0,5] (0.95; IoU with A 0.5, with B 36/(50+100-36) = 0.32).
TEST(Boxes, NmsByHand) {
  const Tensor b = boxes({0, 0, 10, 10, 1, 1, 11, 11, 20, 20, 30, 30, 0, 0, 10, 5});
  const Tensor s = vec({0.9, 0.8, 0.7, 0.95});
  EXPECT_EQ(kept(nms(b, s, {.iou_threshold = 0.6})), (std::vector<int64_t>{3, 0, 2}));
  // IoU exactly 0.5 is not "> 0.5": A stays next to D
  EXPECT_EQ(kept(nms(b, s, {.iou_threshold = 0.5})), (std::vector<int64_t>{3, 0, 2}));
  EXPECT_EQ(kept(nms(b, s, {.iou_threshold = 0.49})), (std::vector<int64_t>{3, 1, 2}));
  EXPECT_EQ(kept(nms(b, s, {.iou_threshold = 0.7})), (std::vector<int64_t>{3, 0, 1, 2}));
  EXPECT_EQ(kept(nms(b, s, {.iou_threshold = 0.6, .score_threshold = 0.85})),
            (std::vector<int64_t>{3, 0}));
  EXPECT_EQ(kept(nms(b, s, {.iou_threshold = 0.6, .max_output = 2})), (std::vector<int64_t>{3, 0}));
  EXPECT_TRUE(kept(nms(b, s, {.max_output = 0})).empty());
}

TEST(Boxes, EqualScoresKeepTheLowerIndexFirst) {
  const Tensor b = boxes({0, 0, 1, 1, 0, 0, 1, 1, 5, 5, 6, 6});
  EXPECT_EQ(kept(nms(b, vec({0.5, 0.5, 0.5}))), (std::vector<int64_t>{0, 2}));
}

// Same boxes in the three formats: (y1 x1 y2 x2) with a flipped pair and (cx cy w h).
TEST(Boxes, FormatsAndBatchedClassNms) {
  const Tensor xyxy = boxes({0, 0, 10, 10, 1, 1, 11, 11, 20, 20, 30, 30});
  const Tensor yxyx = boxes({10, 10, 0, 0, 1, 1, 11, 11, 20, 20, 30, 30});
  const Tensor cwh = boxes({5, 5, 10, 10, 6, 6, 10, 10, 25, 25, 10, 10});
  EXPECT_TRUE(test::all_close(boxes_to_xyxy(yxyx, BoxFormat::YXYX), xyxy, 0, 1e-12));
  EXPECT_TRUE(test::all_close(boxes_to_xyxy(cwh, BoxFormat::CXCYWH), xyxy, 0, 1e-12));
  // 2 images x 2 classes. Image 0 class 1: A is under the score threshold, C then B. Image 1
  // class 1: C under the threshold, B (0.9) suppresses A (IoU 0.68).
  const Tensor b = stack({cwh, cwh}, 0);
  const Tensor s = Tensor::from_vector(
      std::vector<double>{0.9, 0.8, 0.7, 0.1, 0.2, 0.3, 0.9, 0.8, 0.7, 0.3, 0.9, 0.1}, {2, 2, 3});
  const auto rows =
      batched_class_nms(b, s, BoxFormat::CXCYWH, {.iou_threshold = 0.5, .score_threshold = 0.15});
  EXPECT_EQ(kept(rows), (std::vector<int64_t>{0, 0, 0, 0, 0, 2,  //
                                              0, 1, 2, 0, 1, 1,  //
                                              1, 0, 0, 1, 0, 2,  //
                                              1, 1, 1}));
  EXPECT_EQ(rows.shape(), (Shape{7, 3}));
}

TEST(Boxes, NmsMatchesTorchvision) {
  const auto f = test::load_fixture("vision_detect");
  for (const std::string name : {"nms_30", "nms_60"}) {
    auto get = [&](const std::string& k) { return test::fixture_get(f, name + "." + k); };
    const Tensor got = nms(get("boxes"), get("scores"), {.iou_threshold = get("iou").item()});
    EXPECT_EQ(kept(got), kept(get("keep"))) << name;
    EXPECT_GT(got.numel(), 3) << name;                     // the case really keeps several boxes
    EXPECT_LT(got.numel(), get("boxes").size(0)) << name;  // and really suppresses some
  }
}

TEST(Boxes, NanScoresAreNeverKept) {
  const Tensor b = boxes({0, 0, 1, 1, 5, 5, 6, 6, 9, 9, 10, 10});
  EXPECT_EQ(kept(nms(b, vec({std::nan(""), 0.2, std::nan("")}))), (std::vector<int64_t>{1}));
}

TEST(Boxes, BadShapesAreErrors) {
  EXPECT_THROW(box_iou(vec({1, 2, 3, 4}), boxes({0, 0, 1, 1})), Error);
  EXPECT_THROW(nms(boxes({0, 0, 1, 1}), vec({1, 2})), Error);
  EXPECT_THROW(batched_class_nms(boxes({0, 0, 1, 1}), vec({1}), BoxFormat::XYXY, {}), Error);
}

}  // namespace
}  // namespace nabla::vision
