// Batch norm with momentum = std::nullopt (PyTorch's momentum=None): the running statistics are
// the plain average over all batches seen, against torch.nn.BatchNorm2d(momentum=None)
// (tests/fixtures/nn_bn_cumulative.safetensors, scripts/fixtures/make_batchnorm_fixture.py).
#include <gtest/gtest.h>

#include <string>

#include "nabla/nn/normalization.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"
#include "tests/nn/nn_test_util.hpp"

namespace nabla {
namespace {

using test::all_close;
using test::fixture_get;

TEST(BatchNormCumulative, MatchesPyTorchMomentumNone) {
  const auto f = test::load_fixture("nn_bn_cumulative");
  nn::BatchNorm2d m(3, {.momentum = std::nullopt});
  m.to(DType::Float64);
  {
    autograd::NoGradGuard g;
    m.weight.copy_(fixture_get(f, "w"));
    m.bias.copy_(fixture_get(f, "b"));
  }
  int n = 0;
  for (; f.count("x" + std::to_string(n)); ++n) {
    const std::string i = std::to_string(n);
    SCOPED_TRACE("batch " + i);
    EXPECT_TRUE(all_close(m(fixture_get(f, "x" + i)), fixture_get(f, "y" + i), 1e-10, 1e-10));
    EXPECT_TRUE(all_close(m.running_mean, fixture_get(f, "mean" + i), 1e-12, 1e-12));
    EXPECT_TRUE(all_close(m.running_var, fixture_get(f, "var" + i), 1e-12, 1e-12));
  }
  ASSERT_EQ(n, 4);
  EXPECT_EQ(m.num_batches_tracked.item(), fixture_get(f, "count").to_vector<int64_t>()[0]);
  m.eval();
  EXPECT_TRUE(all_close(m(fixture_get(f, "x_eval")), fixture_get(f, "y_eval"), 1e-10, 1e-10));
  EXPECT_NE(m.extra_repr().find("momentum=None"), std::string::npos) << m.extra_repr();
}

TEST(BatchNormCumulative, IsTheAverageOfBatchMeansAndRestartsAfterReset) {
  nn::BatchNorm1d m(2, {.momentum = std::nullopt});
  Generator gen(2);
  Tensor sum_means = Tensor::zeros({2});
  for (int b = 0; b < 5; ++b) {
    Tensor x = Tensor::randn({8, 2}, DType::Float32, &gen) * static_cast<double>(b + 1) + b;
    m(x);
    sum_means = sum_means + mean(x, {0});
  }
  EXPECT_TRUE(all_close(m.running_mean, sum_means / 5.0, 1e-5, 1e-5));
  // after a reset the first batch counts fully again (weight 1/1), as in PyTorch
  m.reset_running_stats();
  Tensor x = Tensor::randn({8, 2}, DType::Float32, &gen);
  m(x);
  EXPECT_TRUE(all_close(m.running_mean, mean(x, {0}), 1e-6, 1e-6));
  EXPECT_THROW(nn::BatchNorm1d(2, {.momentum = 1.5}), Error);
}

}  // namespace
}  // namespace nabla
