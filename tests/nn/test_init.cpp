// Initialisers: gains and fans as PyTorch, sample statistics within sampling tolerance, exact
// bounds for the uniform ones, and each layer's default initialisation.
#include <gtest/gtest.h>

#include <cmath>

#include "nabla/nn/nn.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"
#include "tests/nn/nn_test_util.hpp"

namespace nabla {
namespace {

using nn::init::FanMode;
using nn::init::Nonlinearity;

struct Stats {
  double mean, std, min, max;
  int64_t n;
};

Stats stats(const Tensor& t) {
  std::vector<double> v = t.to_vector<double>();
  Stats s{0, 0, INFINITY, -INFINITY, static_cast<int64_t>(v.size())};
  for (double x : v) {
    s.mean += x;
    s.min = std::min(s.min, x);
    s.max = std::max(s.max, x);
  }
  s.mean /= v.size();
  for (double x : v) s.std += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(s.std / (v.size() - 1));
  return s;
}

// Mean within 5 standard errors of `mean`, std within 5 standard errors (~ std/sqrt(2n)).
void expect_moments(const Tensor& t, double mean, double std, const std::string& what) {
  Stats s = stats(t);
  EXPECT_NEAR(s.mean, mean, 5 * std / std::sqrt(static_cast<double>(s.n))) << what;
  EXPECT_NEAR(s.std, std, 5 * std / std::sqrt(2.0 * s.n)) << what;
}

// Uniform U(-b, b): every sample inside, extremes close to the bound, moments right.
void expect_uniform(const Tensor& t, double b, const std::string& what) {
  Stats s = stats(t);
  EXPECT_GE(s.min, -b) << what;
  EXPECT_LE(s.max, b) << what;
  // With n samples the largest misses the bound by about 2b/n; 20/n leaves plenty of room.
  EXPECT_GT(s.max, b * (1 - 20.0 / s.n)) << what;
  EXPECT_LT(s.min, -b * (1 - 20.0 / s.n)) << what;
  expect_moments(t, 0, b / std::sqrt(3.0), what);
}

TEST(Init, GainsAsPyTorch) {
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain(Nonlinearity::Linear), 1.0);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain(Nonlinearity::Conv), 1.0);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain(Nonlinearity::Sigmoid), 1.0);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain(Nonlinearity::Tanh), 5.0 / 3.0);
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain(Nonlinearity::ReLU), std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain(Nonlinearity::LeakyReLU), std::sqrt(2.0 / 1.0001));
  EXPECT_DOUBLE_EQ(nn::init::calculate_gain(Nonlinearity::LeakyReLU, std::sqrt(5.0)),
                   std::sqrt(1.0 / 3.0));
}

TEST(Init, FansAsPyTorch) {
  auto [fi, fo] = nn::init::calculate_fan_in_and_fan_out(Tensor::empty({16, 6, 5, 3}));
  EXPECT_EQ(fi, 6 * 15);
  EXPECT_EQ(fo, 16 * 15);
  auto [li, lo] = nn::init::calculate_fan_in_and_fan_out(Tensor::empty({120, 400}));
  EXPECT_EQ(li, 400);
  EXPECT_EQ(lo, 120);
  EXPECT_THROW(nn::init::calculate_fan_in_and_fan_out(Tensor::empty({5})), Error);
  EXPECT_THROW(nn::init::kaiming_uniform_(Tensor::empty({7})), Error);
}

TEST(Init, ConstantFills) {
  Tensor t = Tensor::empty({3, 4});
  EXPECT_EQ(max(abs(nn::init::zeros_(t))).item(), 0.0);
  EXPECT_EQ(min(nn::init::ones_(t)).item(), 1.0);
  EXPECT_EQ(max(nn::init::constant_(t, -2.5)).item(), -2.5);
  // Works on parameters, which require grad, without touching the graph.
  Tensor p = Tensor::zeros({2});
  p.set_requires_grad();
  nn::init::ones_(p);
  EXPECT_EQ(p.at({1}), 1.0);
  EXPECT_TRUE(p.is_leaf());
}

TEST(Init, UniformAndNormal) {
  Generator g(1);
  Tensor t = Tensor::empty({200, 100});
  nn::init::uniform_(t, -0.5, 1.5, &g);
  Stats s = stats(t);
  EXPECT_GE(s.min, -0.5);
  EXPECT_LT(s.max, 1.5);
  expect_moments(t, 0.5, 2.0 / std::sqrt(12.0), "uniform_(-0.5, 1.5)");
  nn::init::normal_(t, 3.0, 0.2, &g);
  expect_moments(t, 3.0, 0.2, "normal_(3, 0.2)");
}

TEST(Init, Xavier) {
  Generator g(2);
  Tensor w = Tensor::empty({300, 200});  // fan_in 200, fan_out 300
  nn::init::xavier_uniform_(w, 1.0, &g);
  expect_uniform(w, std::sqrt(6.0 / 500), "xavier_uniform_");
  const double tanh_gain = nn::init::calculate_gain(Nonlinearity::Tanh);
  nn::init::xavier_uniform_(w, tanh_gain, &g);
  expect_uniform(w, tanh_gain * std::sqrt(6.0 / 500), "xavier_uniform_ tanh gain");
  Tensor c = Tensor::empty({32, 16, 3, 3});  // fans 144 and 288
  nn::init::xavier_normal_(c, 1.0, &g);
  expect_moments(c, 0, std::sqrt(2.0 / (144 + 288)), "xavier_normal_ conv");
}

TEST(Init, Kaiming) {
  Generator g(3);
  Tensor w = Tensor::empty({256, 128});
  nn::init::kaiming_uniform_(w, 0, FanMode::FanIn, Nonlinearity::ReLU, &g);
  expect_uniform(w, std::sqrt(6.0 / 128), "kaiming_uniform_ relu fan_in");
  nn::init::kaiming_uniform_(w, 0, FanMode::FanOut, Nonlinearity::ReLU, &g);
  expect_uniform(w, std::sqrt(6.0 / 256), "kaiming_uniform_ relu fan_out");
  nn::init::kaiming_normal_(w, 0, FanMode::FanIn, Nonlinearity::ReLU, &g);
  expect_moments(w, 0, std::sqrt(2.0 / 128), "kaiming_normal_ relu");
  nn::init::kaiming_normal_(w, 0.2, FanMode::FanOut, Nonlinearity::LeakyReLU, &g);
  expect_moments(w, 0, std::sqrt(2.0 / 1.04) / std::sqrt(256.0), "kaiming_normal_ leaky 0.2");
  Tensor c = Tensor::empty({64, 8, 5, 5});
  nn::init::kaiming_normal_(c, 0, FanMode::FanIn, Nonlinearity::ReLU, &g);
  expect_moments(c, 0, std::sqrt(2.0 / 200), "kaiming_normal_ conv");
}

TEST(Init, SeededAndReproducible) {
  Generator g1(7), g2(7);
  Tensor a = Tensor::empty({10, 10}), b = Tensor::empty({10, 10});
  nn::init::kaiming_uniform_(a, 0, FanMode::FanIn, Nonlinearity::ReLU, &g1);
  nn::init::kaiming_uniform_(b, 0, FanMode::FanIn, Nonlinearity::ReLU, &g2);
  EXPECT_TRUE(test::all_close(a, b, 0, 0));
  manual_seed(11);
  nn::Linear l1(20, 10);
  manual_seed(11);
  nn::Linear l2(20, 10);
  EXPECT_TRUE(test::all_close(l1.weight, l2.weight, 0, 0));
  EXPECT_TRUE(test::all_close(l1.bias, l2.bias, 0, 0));
  nn::Linear l3(20, 10);
  EXPECT_FALSE(test::all_close(l1.weight, l3.weight));
}

// torch.nn.Linear/Conv2d/ConvTranspose2d: weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
TEST(Init, LayerDefaults) {
  manual_seed(5);
  nn::Linear lin(400, 120);
  expect_uniform(lin.weight, 1 / std::sqrt(400.0), "Linear weight");
  Stats lb = stats(lin.bias);
  EXPECT_LE(lb.max, 1 / std::sqrt(400.0));
  EXPECT_GE(lb.min, -1 / std::sqrt(400.0));

  nn::Conv2d conv(6, 16, 5);  // fan_in 150
  expect_uniform(conv.weight, 1 / std::sqrt(150.0), "Conv2d weight");
  Stats cb = stats(conv.bias);
  EXPECT_LE(cb.max, 1 / std::sqrt(150.0));
  EXPECT_GE(cb.min, -1 / std::sqrt(150.0));

  nn::Conv2d grouped(8, 32, 3, {.groups = 4});  // weight (32, 2, 3, 3): fan_in 18
  expect_uniform(grouped.weight, 1 / std::sqrt(18.0), "grouped Conv2d weight");

  // PyTorch takes the transposed conv's fan_in from weight dim 1 = out/groups: (16, 24, 3, 3) ->
  // 216.
  nn::ConvTranspose2d deconv(16, 24, 3);
  EXPECT_EQ(deconv.weight.shape(), (Shape{16, 24, 3, 3}));
  expect_uniform(deconv.weight, 1 / std::sqrt(216.0), "ConvTranspose2d weight");
  EXPECT_LE(stats(deconv.bias).max, 1 / std::sqrt(216.0));

  nn::BatchNorm2d bn(4);
  EXPECT_EQ(stats(bn.weight).min, 1.0);
  EXPECT_EQ(stats(bn.weight).max, 1.0);
  EXPECT_EQ(stats(bn.bias).max, 0.0);
  EXPECT_EQ(stats(bn.running_var).min, 1.0);
  EXPECT_EQ(stats(bn.running_mean).max, 0.0);
  nn::LayerNorm ln({3, 2});
  EXPECT_EQ(stats(ln.weight).min, 1.0);
  EXPECT_EQ(stats(ln.bias).min, 0.0);
  nn::GroupNorm gn(2, 4);
  EXPECT_EQ(stats(gn.weight).min, 1.0);
  EXPECT_EQ(stats(gn.bias).max, 0.0);
}

// The notes' point about zero init: every hidden unit gets the same gradient, so they stay
// identical forever; random init breaks the symmetry.
TEST(Init, ZeroInitDoesNotBreakSymmetry) {
  nn::Linear l1(3, 4), l2(4, 1);
  nn::init::constant_(l1.weight, 0.3);
  nn::init::zeros_(l1.bias);
  Tensor x = Tensor::randn({5, 3});
  sum(l2(tanh(l1(x)))).backward();
  Tensor g = l1.weight.grad();  // rows differ only through l2's weights
  nn::init::constant_(l2.weight, 0.5);
  l1.zero_grad();
  sum(l2(tanh(l1(x)))).backward();
  g = l1.weight.grad();
  for (int64_t j = 1; j < 4; ++j) {
    for (int64_t k = 0; k < 3; ++k) EXPECT_FLOAT_EQ(g.at({j, k}), g.at({0, k}));
  }
}

}  // namespace
}  // namespace nabla
