// Why weight decay is L2 regularization (notes section 7): SGD with weight_decay = alpha equals
// plain SGD on loss + nn::l2_penalty(params, alpha). Here, not in tests/optim or tests/nn,
// because it needs both layers (the penalty is a loss term in nn/, the decay is in optim/).
#include <gtest/gtest.h>

#include <cmath>

#include "nabla/nn/regularize.hpp"
#include "tests/optim/mlp.hpp"

namespace nabla::optim {
namespace {

using nn::l2_penalty;

// weight_decay = alpha in SGD adds alpha * W to the gradient, which is exactly the gradient of
// alpha/2 ||W||^2: the two runs agree over many steps (also with momentum).
TEST(L2Penalty, EqualsSgdWeightDecay) {
  const io::TensorMap f = test::load_fixture("optim_trajectories");
  const double alpha = 0.05;
  for (double momentum : {0.0, 0.9}) {
    test::Mlp decayed = test::Mlp::from_fixture(f), penalized = test::Mlp::from_fixture(f);
    SGD opt_a(decayed.params, {.lr = 0.1, .momentum = momentum, .weight_decay = alpha});
    SGD opt_b(penalized.params, {.lr = 0.1, .momentum = momentum});
    for (int64_t step = 1; step <= 30; ++step) {
      decayed.train_step(opt_a, step);
      opt_b.zero_grad();
      Tensor loss = add(penalized.loss((step - 1) % 4), l2_penalty(penalized.params, alpha));
      loss.backward();
      opt_b.step();
    }
    const auto a = decayed.flat(), b = penalized.flat();
    const auto init = test::Mlp::from_fixture(f).flat();
    double moved = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_NEAR(a[i], b[i], 1e-12 + 1e-10 * std::abs(b[i]))
          << "momentum " << momentum << " element " << i;
      moved = std::max(moved, std::abs(a[i] - init[i]));
    }
    EXPECT_GT(moved, 1e-2);
  }
}

}  // namespace
}  // namespace nabla::optim
