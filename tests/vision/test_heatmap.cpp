#include <gtest/gtest.h>

#include <string>

#include "nabla/autograd/node.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"
#include "nabla/vision/convolutionalize.hpp"
#include "nabla/vision/heatmap.hpp"
#include "nabla/vision/overlay.hpp"
#include "nabla/vision/scenes.hpp"
#include "tests/vision/items.hpp"
#include "tests/vision/nets.hpp"

namespace nabla::vision {
namespace {

TEST(Heatmap, GeometryFollowsStridesAndTheInputSize) {
  nn::Sequential lenet = test::lenet();
  const auto g = score_map_geometry(convolutionalize(lenet, {1, 28, 28}), {1, 28, 28});
  EXPECT_EQ(g.window, Size2(28, 28));
  EXPECT_EQ(g.stride, Size2(4, 4));  // two 2x2 max pools
  nn::Sequential mlp{nn::Flatten(), nn::Linear(784, 10)};
  EXPECT_EQ(score_map_geometry(convolutionalize(mlp, {1, 28, 28}), {1, 28, 28}).stride, Size2(1));
  nn::Sequential transposed{nn::ConvTranspose2d(1, 1, 2), nn::Flatten(), nn::Linear(29 * 29, 2)};
  EXPECT_THROW(score_map_geometry(transposed, {1, 28, 28}), Error);
}

TEST(Heatmap, ProbabilitiesPerPixelCoverTheScene) {
  nn::Sequential fcn = convolutionalize(test::lenet(), {1, 28, 28});
  const auto g = score_map_geometry(fcn, {1, 28, 28});
  const Tensor scene = Tensor::rand({1, 112, 112});
  EXPECT_EQ(class_scores(fcn, scene).shape(), (Shape{10, 22, 22}));
  const Tensor heat = class_heatmap(fcn, scene, g);
  ASSERT_EQ(heat.shape(), (Shape{10, 112, 112}));
  const Tensor total = sum(heat, {0});
  EXPECT_LT(test::max_abs_diff(total, Tensor::ones({112, 112})), 1e-5);
  EXPECT_TRUE(fcn.is_training());  // eval only while scoring
}

// The real check: a single item placed exactly on the 28x28 window of score cell (i, j), on a
// black scene, gets in that cell exactly what the dense classifier says about the crop. (Black
// around it, because LeNet's first conv pads with zeros: the 2-pixel ring around the crop must
// hold what the padding holds.)
TEST(Heatmap, CellOfAnAlignedItemEqualsTheDenseClassifierOnThatCrop) {
  const Tensor item = test::shape_items(3).get(2).inputs.select(0, 0);
  const int64_t i = 7, j = 5;  // window top-left (x, y) = (4j, 4i) = (20, 28)
  const Scene scene = compose_scene(Tensor::zeros({112, 112}), {{item, 3, 4 * j, 4 * i, 28}}, 0.0);
  nn::Sequential net = test::lenet();
  nn::Sequential fcn = convolutionalize(net, {1, 28, 28});
  const Tensor scores = class_scores(fcn, scene.image);  // (10, 22, 22)
  const Tensor cell = scores.slice(1, i, i + 1).slice(2, j, j + 1).reshape({1, 10});
  autograd::NoGradGuard no_grad;
  net.eval();
  const Tensor crop = scene.image.slice(1, 4 * i, 4 * i + 28).slice(2, 4 * j, 4 * j + 28);
  const Tensor dense = softmax(net.forward(unsqueeze(crop.contiguous(), 0)), 1);
  EXPECT_LT(test::max_abs_diff(cell, dense), 1e-6);
  // and the neighbouring cell, whose window is shifted by 4 pixels, says something else
  const Tensor next = scores.slice(1, i, i + 1).slice(2, j + 1, j + 2).reshape({1, 10});
  EXPECT_GT(test::max_abs_diff(next, dense), 1e-4);
}

TEST(Heatmap, UpsamplingPutsEachCellAtItsWindowCentre) {
  // 9x9 scene, 5x5 windows, stride 2: 3x3 cells centred on pixels 2, 4, 6
  const Tensor scores =
      Tensor::from_vector(std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8}, {1, 3, 3});
  const Tensor up = upsample_scores(scores, {Size2(5), Size2(2)}, 9, 9);
  EXPECT_FLOAT_EQ(up.at({0, 4, 4}), 4);  // cell (1, 1) at its centre
  EXPECT_FLOAT_EQ(up.at({0, 2, 6}), 2);  // cell (0, 2)
  EXPECT_FLOAT_EQ(up.at({0, 0, 0}), 0);  // beyond the outer centres: the outer cell
  EXPECT_FLOAT_EQ(up.at({0, 8, 8}), 8);
  EXPECT_FLOAT_EQ(up.at({0, 3, 4}), 2.5);  // halfway between cells (0, 1) and (1, 1)
  EXPECT_THROW(upsample_scores(scores, {Size2(5), Size2(2)}, 11, 9), Error);  // 4 rows fit
  EXPECT_THROW(upsample_scores(scores, {Size2(5), Size2(2)}, 4, 9), Error);   // below a window
}

TEST(Heatmap, OverlaysTintTheGreyScene) {
  const Tensor grey = Tensor::full({1, 2, 2}, 0.4);
  const Tensor p = Tensor::from_vector(std::vector<float>{0, 1, 0.5, 0.25}, {2, 2});
  const Tensor one = probability_overlay(grey, p);
  ASSERT_EQ(one.shape(), (Shape{3, 2, 2}));
  EXPECT_FLOAT_EQ(one.at({0, 0, 1}), 0.5f * 0.4f + 0.5f);  // p = 1: red
  EXPECT_FLOAT_EQ(one.at({2, 0, 0}), 0.5f * 0.4f + 0.5f);  // p = 0: blue
  EXPECT_FLOAT_EQ(one.at({1, 1, 0}), 0.5f * 0.4f + 0.5f);  // p = 0.5: green
  Tensor all = Tensor::full({4, 2, 2}, 0.25);              // no opinion: no tint
  all.data<float>()[3 * 4 + 3] = 1;                        // pixel (1, 1) sure of class 3
  const Tensor tinted = class_overlay(grey, all);
  EXPECT_FLOAT_EQ(tinted.at({1, 0, 0}), 0.4f);
  EXPECT_FLOAT_EQ(tinted.at({1, 1, 1}), 0.3f * 0.4f + 0.7f * class_palette()[3][1]);
}

TEST(Heatmap, DenseAndConvolutionalizedAgreeOnTheTrainingSize) {
  nn::Sequential net = test::lenet();
  nn::Sequential fcn = convolutionalize_model(net, {1, 28, 28});
  EXPECT_LT(convolutionalized_difference(net, fcn, Tensor::rand({4, 1, 28, 28})), 1e-5);
  // a larger input gives score maps, not one vector per image: nothing to compare
  EXPECT_THROW(convolutionalized_difference(net, fcn, Tensor::rand({2, 1, 32, 32})), Error);
  nn::Linear not_a_list(4, 2);
  try {
    convolutionalize_model(not_a_list, {1, 2, 2});
    FAIL() << "a lone Linear is not a layer list";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("a Linear, not a layer list"), std::string::npos)
        << e.what();
  }
}

TEST(Heatmap, SceneHeatmapPlacesCellsAndPixels) {
  nn::Sequential fcn = convolutionalize(test::lenet(), {1, 28, 28});
  const SceneHeatmap h = scene_heatmap(fcn, {1, 28, 28}, Tensor::rand({1, 112, 112}));
  EXPECT_EQ(h.geometry.stride, Size2(4, 4));
  EXPECT_EQ(h.scores.shape(), (Shape{10, 22, 22}));
  EXPECT_EQ(h.heat.shape(), (Shape{10, 112, 112}));
  EXPECT_THROW(scene_heatmap(fcn, {1, 28, 28}, Tensor::rand({3, 112, 112})), Error);  // RGB
  EXPECT_THROW(scene_heatmap(fcn, {1, 28, 28}, Tensor::rand({1, 20, 112})), Error);   // too low
}

}  // namespace
}  // namespace nabla::vision
