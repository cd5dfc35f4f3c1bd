// RBM pre-training: CD-1 lowers the reconstruction error on bars-and-stripes, a stack has the
// shapes nn::Linear needs and loads into a network, and a seed fixes everything.
#include <gtest/gtest.h>

#include <vector>

#include "nabla/nn/activation.hpp"
#include "nabla/nn/container.hpp"
#include "nabla/nn/linear.hpp"
#include "nabla/nn/rbm.hpp"
#include "tests/support/fixtures.hpp"

namespace nabla {
namespace {

// All 4x4 bars-and-stripes images (each row all on or all off, or each column): 30 distinct
// binary patterns of 16 pixels, a classic RBM toy problem (MacKay).
Tensor bars_and_stripes() {
  std::vector<float> v;
  int count = 0;
  for (int horizontal = 0; horizontal < 2; ++horizontal)
    for (int mask = 0; mask < 16; ++mask) {
      if (horizontal && (mask == 0 || mask == 15)) continue;  // all-off/all-on appear once
      for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 4; ++c) v.push_back(((mask >> (horizontal ? r : c)) & 1) ? 1.f : 0.f);
      ++count;
    }
  return Tensor::from_vector(v, {count, 16});
}

TEST(Rbm, BarsAndStripesHas30Patterns) { EXPECT_EQ(bars_and_stripes().size(0), 30); }

TEST(Rbm, Cd1ReconstructionErrorFalls) {
  Tensor data = bars_and_stripes();
  nn::Rbm rbm(16, 16, {.k = 1, .lr = 0.1, .momentum = 0.5, .batch_size = 10, .seed = 3});
  const double before = rbm.reconstruction_error(data);
  std::vector<double> errs = rbm.fit(data, 300);
  const double after = rbm.reconstruction_error(data);
  ASSERT_EQ(errs.size(), 300u);
  // with W ~ 0 every p(v) = 0.5, so the starting error is ~0.25; CD-1 must cut it by far
  // (measured over seeds 3-6: 0.25 -> 0.0005-0.0007)
  EXPECT_NEAR(before, 0.25, 0.02);
  EXPECT_LT(after, 0.02) << "before " << before << " after " << after;
  double first10 = 0, last10 = 0;
  for (int i = 0; i < 10; ++i) first10 += errs[i], last10 += errs[errs.size() - 1 - i];
  EXPECT_LT(last10, 0.2 * first10)
      << "epoch errors: first " << first10 / 10 << " last " << last10 / 10;
}

TEST(Rbm, CdKWithWeightDecayAlsoLearnsInFloat64) {
  Tensor data = bars_and_stripes().to(DType::Float64);
  nn::Rbm rbm(
      16, 12,
      {.k = 3, .lr = 0.1, .momentum = 0.9, .weight_decay = 1e-4, .batch_size = 5, .seed = 1},
      DType::Float64);
  const double before = rbm.reconstruction_error(data);
  rbm.fit(data, 100);
  EXPECT_EQ(rbm.weight().dtype(), DType::Float64);
  EXPECT_LT(rbm.reconstruction_error(data), 0.7 * before);
}

TEST(Rbm, StackShapesMatchLinearLayersAndLoadIntoANetwork) {
  Tensor data = bars_and_stripes();
  auto layers = nn::pretrain_stack(data, {16, 12, 8}, 5, {.batch_size = 10, .seed = 7});
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].weight.shape(), (Shape{12, 16}));
  EXPECT_EQ(layers[0].bias.shape(), (Shape{12}));
  EXPECT_EQ(layers[0].visible_bias.shape(), (Shape{16}));
  EXPECT_EQ(layers[1].weight.shape(), (Shape{8, 12}));
  EXPECT_EQ(layers[1].bias.shape(), (Shape{8}));
  EXPECT_EQ(layers[1].errors.size(), 5u);

  nn::Sequential net{nn::Linear(16, 12), nn::Sigmoid(), nn::Linear(12, 8), nn::Sigmoid(),
                     nn::Linear(8, 2)};
  Tensor head_before = net.at<nn::Linear>(4).weight.clone_data();
  EXPECT_EQ(nn::load_pretrained(net, layers), 2);
  EXPECT_TRUE(test::all_close(net.at<nn::Linear>(0).weight, layers[0].weight, 0, 0));
  EXPECT_TRUE(test::all_close(net.at<nn::Linear>(0).bias, layers[0].bias, 0, 0));
  EXPECT_TRUE(test::all_close(net.at<nn::Linear>(2).weight, layers[1].weight, 0, 0));
  EXPECT_TRUE(test::all_close(net.at<nn::Linear>(4).weight, head_before, 0, 0));
  // the copied parameters are still trainable leaves
  EXPECT_TRUE(net.at<nn::Linear>(0).weight.requires_grad());

  nn::Sequential wrong{nn::Linear(16, 10), nn::Sigmoid(), nn::Linear(10, 8)};
  EXPECT_THROW(nn::load_pretrained(wrong, layers), Error);
}

TEST(Rbm, SeedFixesTheResult) {
  Tensor data = bars_and_stripes();
  nn::RbmOptions o{.batch_size = 7, .seed = 11};
  auto a = nn::pretrain_stack(data, {16, 10, 6}, 4, o);
  auto b = nn::pretrain_stack(data, {16, 10, 6}, 4, o);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(test::all_close(a[i].weight, b[i].weight, 0, 0)) << "layer " << i;
    EXPECT_TRUE(test::all_close(a[i].bias, b[i].bias, 0, 0)) << "layer " << i;
    EXPECT_EQ(a[i].errors, b[i].errors);
  }
  o.seed = 12;
  auto c = nn::pretrain_stack(data, {16, 10, 6}, 4, o);
  EXPECT_FALSE(test::all_close(a[0].weight, c[0].weight, 0, 0))
      << "a different seed must change the weights";
}

TEST(Rbm, BadInputsThrow) {
  EXPECT_THROW(nn::Rbm(0, 4), Error);
  EXPECT_THROW(nn::Rbm(4, 4, {.k = 0}), Error);
  nn::Rbm rbm(16, 4);
  EXPECT_THROW(rbm.train_epoch(Tensor::zeros({3, 15})), Error);
  EXPECT_THROW(nn::pretrain_stack(Tensor::zeros({3, 16}), {15, 4}, 1), Error);
  EXPECT_THROW(nn::pretrain_stack(Tensor::zeros({3, 16}), {16}, 1), Error);
}

}  // namespace
}  // namespace nabla
