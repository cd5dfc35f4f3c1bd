// Resize/Upsample and MaxUnpool as single nodes: coordinates worked out by hand for the modes the
// node tests leave out (Resize-10 and Upsample's asymmetric linear, extrapolation outside the
// crop), the opset forms of the scales, gradients, and the refusals (cubic, bad indices).
#include <gtest/gtest.h>

#include "nabla/ops/ops.hpp"
#include "op_runner.hpp"

namespace nabla::onnx {
namespace {

using namespace test;  // NOLINT: the builders

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

Tensor scales(const std::vector<float>& s) {
  return Tensor::from_vector(s, {static_cast<int64_t>(s.size())});
}

void expect_values(const Tensor& got, const std::vector<double>& want) {
  const auto v = values(got);
  ASSERT_EQ(v.size(), want.size());
  for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(v[i], want[i], 1e-6) << "at " << i;
}

TEST(OnnxResize, LinearCoordinateModesByHand) {
  const Tensor x = f64({0, 10}, {1, 2});
  auto n = op_node("Resize", 3);
  set_string(n, "mode", "linear");
  // half_pixel: sources -0.25, 0.25, 0.75, 1.25, clamped at the edges
  expect_values(run_op(n, 13, {x, Tensor(), scales({1, 2})})[0], {0, 2.5, 7.5, 10});
  auto ac = n;
  set_string(ac, "coordinate_transformation_mode", "align_corners");
  expect_values(run_op(ac, 13, {x, Tensor(), scales({1, 2})})[0], {0, 10. / 3, 20. / 3, 10});
  // opset 10: (X, scales) and asymmetric coordinates 0, 0.5, 1, 1.5
  auto v10 = op_node("Resize", 2);
  set_string(v10, "mode", "linear");
  expect_values(run_op(v10, 10, {x, scales({1, 2})})[0], {0, 5, 10, 10});
}

TEST(OnnxResize, UpsampleTakesScalesFromAnAttributeBeforeOpset9) {
  const Tensor x = f64({0, 10, 20, 30}, {1, 1, 2, 2});
  auto a7 = op_node("Upsample");
  set_string(a7, "mode", "linear");
  set_floats(a7, "scales", {1, 1, 2, 2});
  auto i9 = op_node("Upsample", 2);
  set_string(i9, "mode", "linear");
  const Tensor y7 = run_op(a7, 7, {x})[0];
  EXPECT_EQ(y7.shape(), (Shape{1, 1, 4, 4}));
  expect_values(slice(y7, 2, 0, 1), {0, 5, 10, 10});
  EXPECT_LT(max_abs_diff(y7, run_op(i9, 9, {x, scales({1, 1, 2, 2})})[0]), 1e-12);
  EXPECT_THROW(run_op(op_node("Upsample"), 7, {x}), Error);  // no scales
}

TEST(OnnxResize, CropAndResizeWritesTheExtrapolationValueOutside) {
  auto n = op_node("Resize", 4);
  set_string(n, "mode", "linear");
  set_string(n, "coordinate_transformation_mode", "tf_crop_and_resize");
  set_float(n, "extrapolation_value", -1);
  const Tensor x = f64({0, 10, 20}, {1, 3});
  // roi x from 0.5 to 1.5 of the width: sources 1, 2, 3 (3 lies outside)
  const Tensor roi = f64({0, 0.5, 1, 1.5}, {4});
  expect_values(run_op(n, 13, {x, roi, Tensor(), i64({1, 3}, {2})})[0], {10, 20, -1});
}

TEST(OnnxResize, NearestModesAndSizes) {
  const Tensor x = f64({0, 1, 2, 3}, {1, 4});
  auto n = op_node("Resize", 4);
  set_string(n, "coordinate_transformation_mode", "asymmetric");
  // sizes 6: scale 1.5, sources 0, 0.67, 1.33, 2, 2.67, 3.33
  const Tensor sizes = i64({1, 6}, {2});
  expect_values(run_op(n, 13, {x, Tensor(), Tensor(), sizes})[0], {0, 1, 1, 2, 3, 3});
  auto fl = n;
  set_string(fl, "nearest_mode", "floor");
  expect_values(run_op(fl, 13, {x, Tensor(), Tensor(), sizes})[0], {0, 0, 1, 2, 2, 3});
  auto ce = n;
  set_string(ce, "nearest_mode", "ceil");
  expect_values(run_op(ce, 13, {x, Tensor(), Tensor(), sizes})[0], {0, 1, 2, 2, 3, 3});
}

TEST(OnnxResize, LinearAndNearestPassGradients) {
  auto n = op_node("Resize", 3);
  set_string(n, "mode", "linear");
  const auto g = gradcheck_op(n, 13, {rand64({1, 2, 3, 3}, 1), Tensor(), scales({1, 1, 1.7f, 2})});
  EXPECT_TRUE(g.ok) << g.message;
  auto near = op_node("Resize", 3);
  const auto g2 = gradcheck_op(near, 13, {rand64({1, 1, 3, 2}, 2), Tensor(), scales({1, 1, 2, 3})});
  EXPECT_TRUE(g2.ok) << g2.message;
}

TEST(OnnxResize, BadModesAndInputsAreRefused) {
  const Tensor x = f64({0, 1, 2, 3}, {1, 4});
  auto cubic = op_node("Resize", 2);
  set_string(cubic, "mode", "cubic");  // cubic arrived with Resize-11
  EXPECT_THROW(run_op(cubic, 10, {x, scales({1, 2})}), Error);
  auto odd = op_node("Resize", 3);
  set_string(odd, "mode", "quadratic");
  EXPECT_THROW(run_op(odd, 13, {x, Tensor(), scales({1, 2})}), Error);
  auto n = op_node("Resize", 4);
  EXPECT_THROW(run_op(n, 13, {x, Tensor(), scales({1, 2}), i64({1, 8}, {2})}), Error);  // both
  EXPECT_THROW(run_op(n, 13, {x, Tensor(), Tensor(), Tensor()}), Error);                // neither
  EXPECT_THROW(run_op(n, 13, {x, Tensor(), scales({2})}), Error);                       // rank
  EXPECT_THROW(run_op(n, 13, {x, Tensor(), Tensor(), i64({1 << 20, 1 << 20}, {2})}), Error);
  auto bad = op_node("Resize", 3);
  set_string(bad, "coordinate_transformation_mode", "sideways");
  EXPECT_THROW(run_op(bad, 13, {x, Tensor(), scales({1, 2})}), Error);
}

TEST(OnnxMaxUnpool, PlacesValuesAtTheIndicesAndPassesGradients) {
  auto n = op_node("MaxUnpool", 2);
  set_ints(n, "kernel_shape", {2});
  set_ints(n, "strides", {2});
  const Tensor x = f64({5, 7}, {1, 1, 2}), idx = i64({1, 2}, {1, 1, 2});
  expect_values(run_op(n, 11, {x, idx})[0], {0, 5, 7, 0});
  // output_shape 6 pads the 4 cells with zeros at the end
  auto n3 = op_node("MaxUnpool", 3);
  set_ints(n3, "kernel_shape", {2});
  set_ints(n3, "strides", {2});
  expect_values(run_op(n3, 11, {x, idx, i64({1, 1, 6}, {3})})[0], {0, 5, 7, 0, 0, 0});
  EXPECT_THROW(run_op(n, 11, {x, i64({1, 4}, {1, 1, 2})}), Error);  // 4 is past the output
  EXPECT_THROW(run_op(n3, 11, {x, idx, i64({1, 1, 3}, {3})}), Error);
  const auto g = gradcheck_op(n, 11, {rand64({1, 1, 2}, 3), idx});
  EXPECT_TRUE(g.ok) << g.message;
}

}  // namespace
}  // namespace nabla::onnx
