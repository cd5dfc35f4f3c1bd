// Einsum against nabla's matmul/sum/permute written out by hand: several operands, the implicit
// output, "..." broadcast, diagonals and traces, gradients, and the errors for malformed
// equations.
#include <gtest/gtest.h>

#include "nabla/ops/ops.hpp"
#include "op_runner.hpp"

namespace nabla::onnx {
namespace {

using namespace test;  // NOLINT: the builders

::onnx::NodeProto einsum(const std::string& eq, int inputs) {
  auto n = op_node("Einsum", inputs);
  set_string(n, "equation", eq);
  return n;
}

void expect_near(const Tensor& got, const Tensor& want) {
  ASSERT_EQ(got.shape(), want.shape());
  EXPECT_LT(max_abs_diff(got, want), 1e-10);
}

TEST(OnnxEinsum, ThreeOperandsChainLikeMatmuls) {
  const Tensor a = rand64({2, 3}, 1), b = rand64({3, 4}, 2), c = rand64({4, 5}, 3);
  expect_near(run_op(einsum("ij,jk,kl->il", 3), 12, {a, b, c})[0], matmul(matmul(a, b), c));
  // implicit output: the labels used once, sorted (here "il")
  expect_near(run_op(einsum("ij,jk,kl", 3), 12, {a, b, c})[0], matmul(matmul(a, b), c));
  // a transposed result and a label summed away before the product
  expect_near(run_op(einsum("ij,jk->ki", 2), 12, {a, b})[0], matmul(a, b).t());
  expect_near(run_op(einsum("ij,kl->k", 2), 12, {a, c})[0], sum(a) * sum(c, {1}));
}

TEST(OnnxEinsum, EllipsisBatchesBroadcastFromTheRight) {
  const Tensor a = rand64({2, 1, 3, 4}, 4), b = rand64({5, 4, 2}, 5);
  const Tensor y = run_op(einsum("...ij,...jk->...ik", 2), 12, {a, b})[0];
  expect_near(y, matmul(a, b));
  EXPECT_EQ(y.shape(), (Shape{2, 5, 3, 2}));
}

TEST(OnnxEinsum, GradientsReachEveryOperand) {
  const auto g =
      gradcheck_op(einsum("bij,bjk->bik", 2), 12, {rand64({2, 3, 4}, 6), rand64({2, 4, 2}, 7)});
  EXPECT_TRUE(g.ok) << g.message;
  const auto g2 = gradcheck_op(einsum("i,i", 2), 12, {rand64({5}, 8), rand64({5}, 9)});
  EXPECT_TRUE(g2.ok) << g2.message;
}

TEST(OnnxEinsum, RepeatedLabelsTakeTheDiagonal) {
  const Tensor a = f64({1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 3});
  EXPECT_EQ(run_op(einsum("ii->i", 1), 12, {a})[0].to_vector<double>(),
            (std::vector<double>{1, 5, 9}));
  EXPECT_DOUBLE_EQ(run_op(einsum("ii", 1), 12, {a})[0].item(), 15);  // implicit: the trace
  // a batch of diagonals times a vector, and the same label three times
  const Tensor b = rand64({2, 3, 3}, 1), v = rand64({3}, 2);
  const Tensor want =
      sum(b * Tensor::from_vector(std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1}, {3, 3}), {2}) * v;
  EXPECT_LT(max_abs_diff(run_op(einsum("bii,i->bi", 2), 12, {b, v})[0], want), 1e-12);
  EXPECT_DOUBLE_EQ(run_op(einsum("iii->i", 1), 12, {f64({1, 0, 0, 0, 0, 0, 0, 2}, {2, 2, 2})})[0]
                       .to_vector<double>()[1],
                   2);
  const auto g = gradcheck_op(einsum("...ii->...i", 1), 12, {rand64({2, 3, 3}, 3)});
  EXPECT_TRUE(g.ok) << g.message;
  EXPECT_THROW(run_op(einsum("ii->i", 1), 12, {rand64({3, 2}, 1)}), Error);
}

TEST(OnnxEinsum, BadEquationsAreErrors) {
  EXPECT_THROW(run_op(einsum("ij->i", 2), 12, {rand64({3, 3}, 1), rand64({3, 3}, 1)}), Error);
  EXPECT_THROW(run_op(einsum("ijk->i", 1), 12, {rand64({3, 3}, 1)}), Error);  // rank 2
  EXPECT_THROW(run_op(einsum("ij->iz", 1), 12, {rand64({3, 3}, 1)}), Error);  // unknown z
  EXPECT_THROW(run_op(einsum("......->...", 1), 12, {rand64({3, 3}, 1)}), Error);
  EXPECT_THROW(run_op(einsum("ij,jk", 2), 12, {rand64({3, 4}, 1), rand64({3, 4}, 2)}), Error);
  try {
    run_op(einsum("i1->i", 1), 12, {rand64({3, 3}, 1)});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Einsum node"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nabla::onnx
