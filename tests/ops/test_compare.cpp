// isclose / allclose against torch.isclose's rule (values worked out by hand, including the
// cases PyTorch special-cases: infinities, NaN with and without equal_nan, asymmetry in b),
// broadcasting, and max_abs_diff.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "nabla/ops/compare.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

TEST(Compare, IscloseRuleAndSpecialValues) {
  const Tensor a = Tensor::from_vector(
      std::vector<double>{1.0, 1.0 + 1e-6, 1.1, kInf, kInf, -kInf, kNan, kNan, 0.0, 1e-9}, {10});
  const Tensor b = Tensor::from_vector(
      std::vector<double>{1.0, 1.0, 1.0, kInf, -kInf, 1.0, kNan, 1.0, 1e-9, 0.0}, {10});
  // |a-b| <= 1e-8 + 1e-5 |b|: 1e-6 <= 1.001e-5 close; 0.1 not; inf == inf; NaN never;
  // 0 vs 1e-9 and 1e-9 vs 0 both within atol 1e-8
  EXPECT_EQ(isclose(a, b).to_vector<double>(), (std::vector<double>{1, 1, 0, 1, 0, 0, 0, 0, 1, 1}));
  EXPECT_EQ(isclose(a, b, {.equal_nan = true}).to_vector<double>(),
            (std::vector<double>{1, 1, 0, 1, 0, 0, 1, 0, 1, 1}));
  // a larger rtol takes 1.1 vs 1.0 in; atol = 0 leaves 0 vs 1e-9 out
  EXPECT_EQ(isclose(a, b, {.rtol = 0.2, .atol = 0}).to_vector<double>(),
            (std::vector<double>{1, 1, 1, 1, 0, 0, 0, 0, 0, 0}));
}

TEST(Compare, IscloseIsRelativeToTheSecondArgument) {
  // |10 - 11| = 1: within 0.095 * 11 = 1.045 but not 0.095 * 10 = 0.95
  const Tensor x = Tensor::from_vector(std::vector<double>{10}, {1});
  const Tensor y = Tensor::from_vector(std::vector<double>{11}, {1});
  EXPECT_TRUE(allclose(x, y, {.rtol = 0.095, .atol = 0}));
  EXPECT_FALSE(allclose(y, x, {.rtol = 0.095, .atol = 0}));
}

TEST(Compare, BroadcastsLikeElementwiseOps) {
  const Tensor a = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor row = Tensor::from_vector(std::vector<float>{1, 2, 3}, {3});
  const Tensor c = isclose(a, row);
  EXPECT_EQ(c.shape(), (Shape{2, 3}));
  EXPECT_EQ(c.dtype(), DType::Float32);
  EXPECT_EQ(c.to_vector<float>(), (std::vector<float>{1, 1, 1, 0, 0, 0}));
  EXPECT_TRUE(allclose(slice(a, 0, 0, 1), row));
  EXPECT_FALSE(allclose(a, row));
  EXPECT_TRUE(allclose(Tensor::zeros({0, 3}), row));  // empty: vacuously close
  EXPECT_THROW(isclose(a, Tensor::zeros({2})), Error);
}

TEST(Compare, MaxAbsDiff) {
  const Tensor a = Tensor::from_vector(std::vector<float>{1, -2, 3}, {3});
  const Tensor b = Tensor::from_vector(std::vector<float>{1.5f, 2, 3}, {3});
  EXPECT_DOUBLE_EQ(max_abs_diff(a, b), 4.0);
  EXPECT_DOUBLE_EQ(max_abs_diff(a, a), 0.0);
  EXPECT_DOUBLE_EQ(max_abs_diff(a, Tensor::scalar(3)), 5.0);  // broadcast
  EXPECT_DOUBLE_EQ(max_abs_diff(Tensor::zeros({0}), Tensor::zeros({0})), 0.0);
  const Tensor n = Tensor::from_vector(std::vector<float>{1, NAN, 3}, {3});
  EXPECT_TRUE(std::isnan(max_abs_diff(a, n)));  // never hides a NaN
  // int64: differences computed in double
  const Tensor i = Tensor::from_vector(std::vector<int64_t>{-5, 7}, {2});
  EXPECT_DOUBLE_EQ(max_abs_diff(i, Tensor::zeros({2}, DType::Int64)), 7.0);
}

TEST(Compare, ErrorsNameTheFix) {
  const Tensor f = Tensor::zeros({2}), d = Tensor::zeros({2}, DType::Float64);
  try {
    allclose(f, d);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(".to()"), std::string::npos) << e.what();
  }
  EXPECT_THROW(isclose(f, f, {.rtol = -1}), Error);
  EXPECT_THROW(max_abs_diff(f, Tensor()), Error);
}

}  // namespace
}  // namespace nabla
