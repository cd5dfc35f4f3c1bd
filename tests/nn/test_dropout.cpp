// Dropout: identity in eval, 0 or x/(1-p) in training with the right drop rate, mean kept,
// seeded masks, gradients through the same mask.
#include <gtest/gtest.h>

#include <cmath>

#include "nabla/nn/nn.hpp"
#include "nabla/ops/dropout.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"
#include "tests/nn/nn_test_util.hpp"

namespace nabla {
namespace {

TEST(Dropout, IdentityInEval) {
  nn::Dropout d(0.5);
  d.eval();
  Tensor x = Tensor::randn({10, 10});
  EXPECT_TRUE(test::all_close(d(x), x, 0, 0));
  EXPECT_TRUE(test::all_close(dropout(x, 0.9, false), x, 0, 0));
}

TEST(Dropout, TrainingScalesSurvivorsAndKeepsTheMean) {
  const double p = 0.3;
  Generator g(1);
  nn::Dropout d(p, &g);
  const int64_t n = 100000;
  Tensor x = Tensor::full({n}, 2.0);
  Tensor y = d(x);
  std::vector<float> v = y.to_vector<float>();
  int64_t dropped = 0;
  for (float e : v) {
    if (e == 0) {
      ++dropped;
    } else {
      EXPECT_FLOAT_EQ(e, 2.0f / (1 - p));
    }
  }
  // Binomial(n, p): standard deviation sqrt(n p (1-p)) ~ 145; allow 5 of them.
  EXPECT_NEAR(static_cast<double>(dropped), n * p, 5 * std::sqrt(n * p * (1 - p)));
  // Inverted dropout keeps the expected activation: mean(y) ~ mean(x).
  const double se = 2.0 * std::sqrt(p / (1 - p)) / std::sqrt(static_cast<double>(n));
  EXPECT_NEAR(mean(y).item(), 2.0, 5 * se);
}

TEST(Dropout, EdgeProbabilities) {
  Tensor x = Tensor::randn({50});
  EXPECT_TRUE(test::all_close(dropout(x, 0.0, true), x, 0, 0));
  EXPECT_EQ(max(abs(dropout(x, 1.0, true))).item(), 0.0);
  EXPECT_THROW(dropout(x, -0.1, true), Error);
  EXPECT_THROW(dropout(x, 1.5, true), Error);
  EXPECT_THROW(nn::Dropout(2.0), Error);
}

TEST(Dropout, SeededMasksAreReproducible) {
  Tensor x = Tensor::randn({64});
  manual_seed(42);
  Tensor a = dropout(x, 0.5, true);
  manual_seed(42);
  Tensor b = dropout(x, 0.5, true);
  Tensor c = dropout(x, 0.5, true);
  EXPECT_TRUE(test::all_close(a, b, 0, 0));
  EXPECT_FALSE(test::all_close(a, c, 0, 0));
  Generator g1(3), g2(3);
  EXPECT_TRUE(test::all_close(dropout(x, 0.5, true, &g1), dropout(x, 0.5, true, &g2), 0, 0));
}

TEST(Dropout, GradientIsTheMask) {
  Generator g(5);
  Tensor x = Tensor::randn({40});
  x.set_requires_grad();
  Tensor y = dropout(x, 0.4, true, &g);
  sum(y).backward();
  Tensor grad = x.grad();
  for (int64_t i = 0; i < 40; ++i) {
    const double expected = y.at({i}) == 0 ? 0.0 : 1.0 / 0.6;
    EXPECT_NEAR(grad.at({i}), expected, 1e-6);
  }
}

TEST(Dropout, GradcheckWithFixedMask) {
  Generator g(6);
  Tensor x = Tensor::randn({4, 5}, DType::Float64);
  x.set_requires_grad();
  EXPECT_GRADCHECK(
      [&](const std::vector<Tensor>& in) {
        g.seed_(6);  // the same mask on every evaluation
        return dropout(in[0], 0.5, true, &g);
      },
      std::vector<Tensor>{x});
  EXPECT_GRADCHECK(
      [&](const std::vector<Tensor>& in) {
        g.seed_(7);
        return dropout2d(in[0], 0.5, true, &g);
      },
      std::vector<Tensor>{Tensor::randn({2, 3, 2, 2}, DType::Float64).set_requires_grad()});
}

TEST(Dropout, ModuleGradcheckWithFixedSeed) {
  Generator g(9);
  nn::Dropout d(0.3, &g);
  nn::Dropout2d d2(0.5, &g);
  Tensor x = Tensor::randn({3, 4, 2, 2}, DType::Float64);
  x.set_requires_grad();
  EXPECT_GRADCHECK(
      [&](const std::vector<Tensor>& in) {
        g.seed_(9);
        return d(in[0]);
      },
      std::vector<Tensor>{x});
  EXPECT_GRADCHECK(
      [&](const std::vector<Tensor>& in) {
        g.seed_(10);
        return d2(in[0]);
      },
      std::vector<Tensor>{x});
}

TEST(Dropout2d, DropsWholeChannels) {
  Generator g(8);
  nn::Dropout2d d(0.5, &g);
  Tensor x = add(abs(Tensor::randn({4, 16, 3, 3})), 0.1);  // no zeros of its own
  Tensor y = d(x);
  int64_t dropped = 0;
  for (int64_t n = 0; n < 4; ++n) {
    for (int64_t c = 0; c < 16; ++c) {
      Tensor plane = y.select(0, n).select(0, c);
      Tensor orig = x.select(0, n).select(0, c);
      if (max(abs(plane)).item() == 0) {
        ++dropped;
      } else {
        EXPECT_TRUE(test::all_close(plane, mul(orig, 2.0), 1e-6, 0));
      }
    }
  }
  EXPECT_GT(dropped, 10);  // Binomial(64, 0.5): 32 +- 4
  EXPECT_LT(dropped, 54);
  d.eval();
  EXPECT_TRUE(test::all_close(d(x), x, 0, 0));
  EXPECT_THROW(dropout2d(Tensor::zeros({4, 5}), 0.5, true), Error);
}

TEST(Dropout, SequentialEvalSwitchesItOff) {
  nn::Sequential net{nn::Linear(8, 8), nn::Dropout(0.5)};
  Tensor x = Tensor::randn({4, 8});
  net.eval();
  Tensor a = net(x), b = net(x);
  EXPECT_TRUE(test::all_close(a, b, 0, 0));
  net.train();
  EXPECT_FALSE(test::all_close(net(x), net(x), 0, 0));
}

}  // namespace
}  // namespace nabla
