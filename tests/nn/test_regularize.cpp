// The L2 parameter-norm penalty as a differentiable loss term (notes section 7).
#include <gtest/gtest.h>

#include "nabla/autograd/node.hpp"
#include "nabla/nn/regularize.hpp"
#include "nabla/ops/elementwise.hpp"
#include "tests/support/fixtures.hpp"

namespace nabla::nn {
namespace {

TEST(L2Penalty, ValueAndGradient) {
  Tensor w = Tensor::from_vector(std::vector<double>{1, -2, 3}, {3}).set_requires_grad(true);
  Tensor b = Tensor::from_vector(std::vector<double>{0.5}, {1}).set_requires_grad(true);
  Tensor pen = l2_penalty({w, b}, 0.1);
  EXPECT_NEAR(pen.item(), 0.05 * (1 + 4 + 9 + 0.25), 1e-15);
  auto grads = autograd::grad(pen, {w, b});
  EXPECT_TRUE(test::all_close(grads[0], mul(w.detach(), 0.1), 1e-15, 0));
  EXPECT_TRUE(test::all_close(grads[1], mul(b.detach(), 0.1), 1e-15, 0));
  EXPECT_THROW(l2_penalty({w}, -1), Error);
  Tensor f32 = Tensor::ones({2}, DType::Float32).set_requires_grad(true);
  EXPECT_THROW(l2_penalty({w, f32}, 0.1), Error);
}

}  // namespace
}  // namespace nabla::nn
