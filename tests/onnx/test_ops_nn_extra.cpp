// PRelu, Selu, Softplus, InstanceNormalization, LRN and ReduceProd as single nodes: values against
// their formulas written out here, gradients, and the edge cases (huge softplus inputs, zeros and
// negatives in a product).
#include <gtest/gtest.h>

#include <cmath>

#include "nabla/ops/ops.hpp"
#include "op_runner.hpp"

namespace nabla::onnx {
namespace {

using namespace test;  // NOLINT: the builders

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

TEST(OnnxNnOps, PreluSeluSoftplusValuesAndGradients) {
  const Tensor x = f64({-2, -0.5, 0.5, 3}, {1, 2, 2});
  const Tensor slope = f64({0.1, 0.2}, {2, 1});  // per channel, broadcast
  EXPECT_EQ(values(run_op(op_node("PRelu", 2), 9, {x, slope})[0]),
            (std::vector<double>{-0.2, -0.05, 0.5, 3}));
  const auto g = gradcheck_op(op_node("PRelu", 2), 9,
                              {f64({-2, -0.5, 0.5, 3}, {1, 2, 2}).set_requires_grad(true),
                               f64({0.1, 0.2}, {2, 1}).set_requires_grad(true)});
  EXPECT_TRUE(g.ok) << g.message;
  const auto selu = values(run_op(op_node("Selu"), 7, {x})[0]);
  const double a = 1.67326319217681884765625, s = 1.05070102214813232421875;
  EXPECT_NEAR(selu[0], s * a * (std::exp(-2) - 1), 1e-6);
  EXPECT_NEAR(selu[3], s * 3, 1e-6);
  const auto sp = values(run_op(op_node("Softplus"), 7, {f64({-1000, 0, 2, 1000}, {4})})[0]);
  EXPECT_NEAR(sp[0], 0, 1e-12);
  EXPECT_NEAR(sp[1], std::log(2.0), 1e-12);
  EXPECT_NEAR(sp[2], std::log1p(std::exp(2.0)), 1e-12);
  EXPECT_NEAR(sp[3], 1000, 1e-9);
  const auto gs = gradcheck_op(op_node("Softplus"), 7, {rand64({5}, 1)});
  EXPECT_TRUE(gs.ok) << gs.message;
}

TEST(OnnxNnOps, InstanceNormalizationPerSampleAndChannel) {
  auto n = op_node("InstanceNormalization", 3);
  set_float(n, "epsilon", 0);
  const Tensor x = f64({1, 3, 10, 30, 2, 4, 0, 4}, {2, 2, 2});
  const Tensor y = run_op(n, 7, {x, f64({1, 2}, {2}), f64({0, 5}, {2})})[0];
  // each (n, c) pair of values normalizes to -1, +1, then scale and bias
  EXPECT_EQ(values(y), (std::vector<double>{-1, 1, 3, 7, -1, 1, 3, 7}));
  const auto g = gradcheck_op(n, 7, {rand64({2, 3, 4}, 2), rand64({3}, 3), rand64({3}, 4)});
  EXPECT_TRUE(g.ok) << g.message;
  EXPECT_THROW(run_op(n, 7, {x, f64({1}, {1}), f64({0, 5}, {2})}), Error);
}

TEST(OnnxNnOps, LrnSumsSquaresOverTheChannelWindow) {
  auto n = op_node("LRN");
  set_int(n, "size", 2);  // window [c, c + 1]
  set_float(n, "alpha", 2);
  set_float(n, "beta", 1);
  set_float(n, "bias", 1);
  const Tensor x = f64({1, 2, 3}, {1, 3, 1});
  // c0: 1 / (1 + 2/2 (1 + 4)), c1: 2 / (1 + (4 + 9)), c2: 3 / (1 + 9)
  const auto y = values(run_op(n, 13, {x})[0]);
  EXPECT_NEAR(y[0], 1.0 / 6, 1e-12);
  EXPECT_NEAR(y[1], 2.0 / 14, 1e-12);
  EXPECT_NEAR(y[2], 3.0 / 10, 1e-12);
  // a window far wider than the channels sums all of them (and does not loop a billion times)
  auto wide = n;
  set_int(wide, "size", 1000000001);
  const auto w = values(run_op(wide, 13, {x})[0]);
  EXPECT_NEAR(w[1], 2 / (1 + 2.0 / 1000000001 * 14), 1e-12);
  const auto g = gradcheck_op(n, 13, {rand64({2, 4, 3}, 5)});
  EXPECT_TRUE(g.ok) << g.message;
}

TEST(OnnxNnOps, ReduceProdWithZerosAndNegatives) {
  auto n = op_node("ReduceProd");
  set_ints(n, "axes", {-1});
  set_int(n, "keepdims", 0);
  const Tensor x = f64({1, -2, 3, 4, 5, 0, -1, 2, 2, 2, 2, 2, 2, 2, 2}, {3, 5});
  EXPECT_EQ(values(run_op(n, 13, {x})[0]), (std::vector<double>{-120, 0, 32}));
  auto all = op_node("ReduceProd");
  const Tensor y = run_op(all, 13, {f64({2, -3, 4, 0.5}, {2, 2})})[0];
  EXPECT_EQ(y.shape(), (Shape{1, 1}));
  EXPECT_DOUBLE_EQ(y.item(), -12);
  const auto g = gradcheck_op(n, 13, {rand64({2, 7}, 6)});
  EXPECT_TRUE(g.ok) << g.message;
}

TEST(OnnxNnOps, LpPoolIsTheWindowsPNormWithAveragePoolsPadding) {
  const Tensor x = f64({3, -4, 0, 0}, {1, 1, 2, 2});
  auto n = op_node("LpPool");
  set_ints(n, "kernel_shape", {2, 2});
  EXPECT_NEAR(run_op(n, 11, {x})[0].item(), 5, 1e-12);  // p = 2 by default
  auto p1 = n;
  set_int(p1, "p", 1);
  EXPECT_NEAR(run_op(p1, 11, {x})[0].item(), 7, 1e-12);
  auto p3 = n;
  set_int(p3, "p", 3);
  EXPECT_NEAR(run_op(p3, 11, {x})[0].item(), std::cbrt(27.0 + 64.0), 1e-12);
  // SAME_UPPER, stride 1: the zero padding at the end adds nothing to a window's sum
  auto same = n;
  set_string(same, "auto_pad", "SAME_UPPER");
  EXPECT_EQ(values(run_op(same, 11, {x})[0]), (std::vector<double>{5, 4, 0, 0}));
  auto one_d = op_node("LpPool");
  set_ints(one_d, "kernel_shape", {2});
  set_ints(one_d, "strides", {2});
  EXPECT_EQ(values(run_op(one_d, 11, {f64({3, 4, 6, 8}, {1, 1, 4})})[0]),
            (std::vector<double>{5, 10}));
  const auto g = gradcheck_op(same, 11, {rand64({1, 2, 3, 3}, 7)});
  EXPECT_TRUE(g.ok) << g.message;
  try {
    auto bad = n;
    set_int(bad, "p", 0);
    run_op(bad, 11, {x});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("LpPool node"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nabla::onnx
