// GELU, exact (erf) and approximate = "tanh": gradients against finite differences, the values
// that define it, and its errors. PyTorch agreement: tests/ops/test_activation_fixtures.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "nabla/autograd/gradcheck.hpp"
#include "nabla/ops/activation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"

namespace nabla {
namespace {

Tensor values(const std::vector<double>& v) {
  return Tensor::from_vector(v, {static_cast<int64_t>(v.size())});
}

TEST(GeluGradcheck, ExactAndTanh) {
  Generator g(5);
  // (-4, 4): both tails and the curved middle; a strided view checks the backward's layout
  Tensor x = (Tensor::rand({3, 4}, DType::Float64, &g) * 8.0 - 4.0).detach();
  x.set_requires_grad();
  for (const auto a : {GeluApproximate::None, GeluApproximate::Tanh}) {
    auto r = autograd::gradcheck([a](const auto& v) { return gelu(v[0], a); }, {x});
    EXPECT_TRUE(r.ok) << gelu_approximate_name(a) << ": " << r.message;
    r = autograd::gradcheck([a](const auto& v) { return gelu(v[0].transpose(0, 1), a); }, {x});
    EXPECT_TRUE(r.ok) << gelu_approximate_name(a) << " transposed: " << r.message;
  }
}

// x * Phi(x): Phi(1) = 0.8413447460685429..., Phi(-1) = 1 - Phi(1); tanh-form values from
// PyTorch 1.13 (F.gelu(x, approximate="tanh")).
TEST(Gelu, ValuesAreXTimesTheNormalCdf) {
  const Tensor x = values({1.0, -1.0, 0.0, 2.5});
  const auto exact = gelu(x).to_vector<double>();
  EXPECT_NEAR(exact[0], 0.841344746068543, 1e-15);
  EXPECT_NEAR(exact[1], -0.15865525393145702, 1e-15);
  EXPECT_EQ(exact[2], 0.0);
  EXPECT_NEAR(exact[3], 2.4844758366855597, 1e-15);
  const auto approx = gelu(x, GeluApproximate::Tanh).to_vector<double>();
  EXPECT_NEAR(approx[0], 0.8411919906082768, 1e-15);
  EXPECT_NEAR(approx[1], -0.15880800939172324, 1e-15);
  EXPECT_NEAR(approx[3], 2.484915733910001, 1e-15);
}

// The header's claims: negative with a minimum near -0.17 for x < 0, ReLU in the tails, and
// the tanh form within 5e-4 of the exact one everywhere.
TEST(Gelu, ShapeOfTheCurveAndTheTanhError) {
  const Tensor x = Tensor::arange(-8, 8, 1e-3, DType::Float64);
  const Tensor exact = gelu(x), approx = gelu(x, GeluApproximate::Tanh);
  EXPECT_NEAR(min(exact).item(), -0.16997, 1e-5);
  EXPECT_LT(max(abs(exact - relu(x))).item(), 0.17);
  const double gap = max(abs(exact - approx)).item();
  EXPECT_LT(gap, 5e-4);
  EXPECT_GT(gap, 4e-4);  // an approximation, not the same function
  const auto tails = gelu(values({-30, 30})).to_vector<double>();
  EXPECT_EQ(tails[0], -0.0);
  EXPECT_EQ(tails[1], 30.0);
}

TEST(Gelu, NanPropagatesAndFloat32Works) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(std::isnan(gelu(values({nan})).item()));
  const Tensor f = gelu(Tensor::ones({2}, DType::Float32), GeluApproximate::Tanh);
  EXPECT_EQ(f.dtype(), DType::Float32);
  EXPECT_NEAR(f.to_vector<float>()[1], 0.8411919906082768, 1e-7);
}

TEST(Gelu, ErrorsSayWhatIsAccepted) {
  try {
    gelu(Tensor::zeros({2}, DType::Int64));
    FAIL() << "no error for an integer tensor";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("gelu: needs a float tensor, got int64"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(gelu_approximate_from_string("tanh"), GeluApproximate::Tanh);
  EXPECT_EQ(gelu_approximate_from_string("none"), GeluApproximate::None);
  try {
    gelu_approximate_from_string("erf");
    FAIL() << "no error for approximate = erf";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"none\" (the exact erf form) or \"tanh\", got \"erf\""),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace nabla
