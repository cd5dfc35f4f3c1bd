// NegativeLogLikelihoodLoss / SoftmaxCrossEntropyLoss as single nodes: the ignore_index that is
// absent (nothing ignored, unlike PyTorch's -100), the log_prob output, gradients to the scores,
// and bad attributes/targets named by the node.
#include <gtest/gtest.h>

#include <cmath>

#include "nabla/onnx/model.hpp"
#include "nabla/ops/ops.hpp"
#include "onnx_builders.hpp"
#include "op_runner.hpp"

namespace nabla::onnx {
namespace {

using namespace test;  // NOLINT: the builders

TEST(OnnxLoss, NllWeightedMeanDividesByTheWeightsOfTheKeptTargets) {
  auto n = op_node("NegativeLogLikelihoodLoss", 3);
  set_int(n, "ignore_index", 1);
  const Tensor logp = f64({-1, -2, -3, -4, -5, -6}, {2, 3});
  const Tensor w = f64({1, 10, 2}, {3});
  // targets 2 (kept, weight 2) and 1 (ignored): 2 * 3 / 2
  EXPECT_NEAR(run_op(n, 13, {logp, i64({2, 1}, {2}), w})[0].item(), 3.0, 1e-12);
  auto sum = n;
  set_string(sum, "reduction", "sum");
  EXPECT_NEAR(run_op(sum, 13, {logp, i64({0, 0}, {2}), w})[0].item(), 1 + 4, 1e-12);
}

TEST(OnnxLoss, WithoutIgnoreIndexEveryTargetMustBeAClass) {
  auto n = op_node("NegativeLogLikelihoodLoss", 2);
  // -100 is PyTorch's default ignore_index, but ONNX ignores nothing unless told to
  try {
    run_op(n, 13, {f64({-1, -2}, {1, 2}), i64({-100}, {1})});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("NegativeLogLikelihoodLoss node"), std::string::npos)
        << e.what();
  }
  auto bad = op_node("NegativeLogLikelihoodLoss", 2);
  set_string(bad, "reduction", "average");
  EXPECT_THROW(run_op(bad, 13, {f64({-1, -2}, {1, 2}), i64({0}, {1})}), Error);
  EXPECT_THROW(run_op(n, 13, {f64({-1, -2}, {1, 2}), i64({0, 1}, {2})}), Error);  // shape
}

TEST(OnnxLoss, SoftmaxCrossEntropyReturnsLogProbAndPassesGradients) {
  auto n = op_node("SoftmaxCrossEntropyLoss", 3, 2);
  set_string(n, "reduction", "none");
  // (N, C, d1): at d1 = 0 the classes score (0, 0), at d1 = 1 (log 3, 0)
  const Tensor x = f64({0, std::log(3.0), 0, 0}, {1, 2, 2});
  const auto out = run_op(n, 13, {x, i64({1, 0}, {1, 2}), Tensor()});
  EXPECT_EQ(out[0].shape(), (Shape{1, 2}));
  EXPECT_NEAR(out[0].to_vector<double>()[0], -std::log(0.5), 1e-12);
  EXPECT_NEAR(out[0].to_vector<double>()[1], -std::log(0.75), 1e-12);
  EXPECT_LT(max_abs_diff(out[1], log_softmax(x, 1)), 1e-12);
  auto mean = op_node("SoftmaxCrossEntropyLoss", 3, 1);
  set_int(mean, "ignore_index", 0);
  const auto g = gradcheck_op(
      mean, 13, {rand64({3, 4, 2}, 1), i64({0, 1, 2, 3, 3, 1}, {3, 2}), f64({1, 2, 3, 4}, {4})});
  EXPECT_TRUE(g.ok) << g.message;
}

// An imported training graph (an embedding table read by Gather, scored by
// SoftmaxCrossEntropyLoss) gives its initializer the gradient nabla's own ops give it.
TEST(OnnxLoss, AnImportedEmbeddingAndLossTrainLikeNablasOwnOps) {
  Generator gen(5);
  const Tensor emb = Tensor::randn({6, 4}, DType::Float32, &gen);
  const Tensor tokens = i64({5, 0, 5, 2}, {4}), labels = i64({3, 1, 0, 3}, {4});
  auto m = test::model(13, {"tokens", "labels"}, {"loss"});
  test::init(m, "emb", emb);
  test::node(m, "Gather", {"emb", "tokens"}, {"scores"});
  test::node(m, "SoftmaxCrossEntropyLoss", {"scores", "labels"}, {"loss"});
  OnnxModel model(m);
  const Tensor loss = model.run(std::vector<Tensor>{tokens, labels}).at(0);
  loss.backward();
  const Tensor own = emb.clone_data().set_requires_grad(true);
  const Tensor want = cross_entropy(index_select(own, 0, tokens), labels);
  want.backward();
  EXPECT_NEAR(loss.item(), want.item(), 1e-6);
  const auto params = model.named_parameters();
  ASSERT_EQ(params.size(), 1u);
  ASSERT_TRUE(params[0].second.grad().defined());
  EXPECT_LT(max_abs_diff(params[0].second.grad(), own.grad()), 1e-6);
  EXPECT_GT(abs(own.grad()).sum().item(), 0);
}

}  // namespace
}  // namespace nabla::onnx
