// What zero_grad and set_grad do (documented in nn/module.hpp and autograd/node.hpp):
// zero_grad drops gradients (PyTorch 2's set_to_none), set_grad shares the tensor it is given.
#include <gtest/gtest.h>

#include "nabla/nn/linear.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"
#include "tests/nn/nn_test_util.hpp"

namespace nabla {
namespace {

TEST(GradSemantics, ZeroGradDropsGradients) {
  nn::Linear lin(3, 2);
  sum(lin(Tensor::ones({4, 3}))).backward();
  ASSERT_TRUE(lin.weight.grad().defined());
  lin.zero_grad();
  EXPECT_FALSE(lin.weight.grad().defined());  // undefined, not a tensor of zeros
  EXPECT_FALSE(lin.bias.grad().defined());
  // the next backward starts afresh instead of adding to zeros
  sum(lin(Tensor::ones({1, 3}))).backward();
  EXPECT_EQ(lin.bias.grad().to_vector<float>(), (std::vector<float>{1, 1}));
}

TEST(GradSemantics, SetGradSharesTheTensorAndBackwardAddsIntoIt) {
  Tensor w = Tensor::ones({2}).set_requires_grad(true);
  Tensor g = Tensor::full({2}, 5.0);
  w.set_grad(g);
  sum(w * 3.0).backward();  // adds 3 into .grad, which is g
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{8, 8}));
  // a copy keeps the caller's tensor apart
  Tensor h = Tensor::full({2}, 5.0);
  w.set_grad(h.clone_data());
  sum(w * 3.0).backward();
  EXPECT_EQ(h.to_vector<float>(), (std::vector<float>{5, 5}));
  EXPECT_EQ(w.grad().to_vector<float>(), (std::vector<float>{8, 8}));
  w.set_grad(Tensor());
  EXPECT_FALSE(w.grad().defined());
  EXPECT_THROW(w.set_grad(Tensor::zeros({3})), Error);
}

}  // namespace
}  // namespace nabla
