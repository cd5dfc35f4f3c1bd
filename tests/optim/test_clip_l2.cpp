// Gradient clipping against PyTorch 1.13 (fixture optim_clip).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "nabla/autograd/node.hpp"
#include "tests/optim/mlp.hpp"

namespace nabla::optim {
namespace {

std::vector<Tensor> params_with_fixture_grads(const io::TensorMap& f) {
  std::vector<Tensor> ps;
  for (int i = 0; i < 3; ++i) {
    const Tensor& g = test::fixture_get(f, "grad." + std::to_string(i));
    Tensor p = Tensor::zeros(g.shape(), DType::Float64).set_requires_grad(true);
    p.set_grad(g.clone_data());
    ps.push_back(p);
  }
  return ps;
}

TEST(ClipGradNorm, MatchesPyTorch) {
  const io::TensorMap f = test::load_fixture("optim_clip");
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::tuple<std::string, double, double>> cases = {{"l2", 2.0, 2.0},
                                                                      {"l1", 5.0, 1.0},
                                                                      {"l3", 1.5, 3.0},
                                                                      {"inf", 2.0, inf},
                                                                      {"l2_loose", 1e3, 2.0}};
  for (const auto& [name, max_norm, norm_type] : cases) {
    SCOPED_TRACE(name);
    auto ps = params_with_fixture_grads(f);
    const double total = clip_grad_norm_(ps, max_norm, norm_type);
    EXPECT_NEAR(total, test::fixture_get(f, name + ".total").item(), 1e-12 * total);
    for (int i = 0; i < 3; ++i)
      EXPECT_TRUE(test::all_close(ps[i].grad(),
                                  test::fixture_get(f, name + ".clipped." + std::to_string(i)),
                                  1e-12, 1e-14));
  }
}

TEST(ClipGradNorm, ClippedNormIsMaxNormAndFloat32Works) {
  Tensor a = Tensor::zeros({4}, DType::Float32).set_requires_grad(true);
  Tensor b = Tensor::zeros({2, 2}, DType::Float32).set_requires_grad(true);
  Tensor none = Tensor::zeros({3}, DType::Float32).set_requires_grad(true);  // no grad: skipped
  a.set_grad(Tensor::full({4}, 3.0, DType::Float32));
  b.set_grad(Tensor::full({2, 2}, -4.0, DType::Float32));
  const double total = clip_grad_norm_({a, b, none}, 1.0);
  EXPECT_NEAR(total, 10.0, 1e-6);  // sqrt(4*9 + 4*16)
  double sq = 0;
  for (double v : a.grad().to_vector<double>()) sq += v * v;
  for (double v : b.grad().to_vector<double>()) sq += v * v;
  EXPECT_NEAR(std::sqrt(sq), 1.0, 1e-5);
  EXPECT_FALSE(none.grad().defined());
  EXPECT_EQ(clip_grad_norm_({none}, 1.0), 0.0);
}

TEST(ClipGradNorm, Errors) {
  Tensor a = Tensor::zeros({2}, DType::Float64).set_requires_grad(true);
  a.set_grad(Tensor::from_vector(std::vector<double>{1, std::nan("")}, {2}));
  EXPECT_THROW(clip_grad_norm_({a}, 1.0, 2.0, /*error_if_nonfinite=*/true), Error);
  EXPECT_THROW(clip_grad_norm_({a}, 1.0, 0.0), Error);
  EXPECT_THROW(clip_grad_norm_({a}, 1.0, -2.0), Error);
  EXPECT_THROW(clip_grad_norm_({Tensor()}, 1.0), Error);
  EXPECT_TRUE(std::isnan(clip_grad_norm_({a}, 1.0)));  // PyTorch's default: no error
}

TEST(ClipGradValue, MatchesPyTorch) {
  const io::TensorMap f = test::load_fixture("optim_clip");
  auto ps = params_with_fixture_grads(f);
  clip_grad_value_(ps, 0.7);
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(test::all_close(ps[i].grad(),
                                test::fixture_get(f, "value.clipped." + std::to_string(i)), 0, 0));
  EXPECT_THROW(clip_grad_value_(ps, -1), Error);
}

TEST(ClipGradValue, StridedGradient) {
  Tensor a = Tensor::zeros({2, 3}, DType::Float32).set_requires_grad(true);
  // a transposed (non-contiguous) gradient
  Tensor g = Tensor::from_vector(std::vector<float>{-5, 1, 5, -0.5f, 2, 0}, {3, 2});
  a.set_grad(g.as_strided({2, 3}, {1, 2}, 0));
  clip_grad_value_({a}, 1.0);
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{-1, 1, 1, -0.5f, 1, 0}));
}

}  // namespace
}  // namespace nabla::optim
