#include <gtest/gtest.h>

#include <string>

#include "nabla/autograd/node.hpp"
#include "nabla/ops/shape.hpp"
#include "nabla/vision/convolutionalize.hpp"
#include "tests/vision/nets.hpp"

namespace nabla::vision {
namespace {

Tensor run(nn::Module& net, const Tensor& x) {
  autograd::NoGradGuard no_grad;
  return net.forward(x);
}

TEST(Convolutionalize, NotesExample16x4x4To10Has2560WeightsEitherWay) {
  manual_seed(1);
  nn::Sequential dense{nn::Flatten(), nn::Linear(16 * 4 * 4, 10)};
  nn::Sequential conv = convolutionalize(dense, {16, 4, 4});
  auto& c = conv.at<nn::Conv2d>(0);
  EXPECT_EQ(c.weight.shape(), (Shape{10, 16, 4, 4}));
  EXPECT_EQ(c.weight.numel(), 2560);
  EXPECT_EQ(dense.at<nn::Linear>(1).weight.numel(), 2560);
  EXPECT_EQ(conv.num_parameters(), dense.num_parameters());
  EXPECT_EQ(conv.named_children()[0].first, "1");  // keeps the Linear's name
  const Tensor x = Tensor::randn({3, 16, 4, 4});
  EXPECT_LT(test::max_abs_diff(run(conv, x), run(dense, x)), 1e-5);
}

TEST(Convolutionalize, LeNetSameOutputsAndParameterCount) {
  nn::Sequential net = test::lenet();
  net.eval();
  nn::Sequential fcn = convolutionalize(net, {1, 28, 28});
  EXPECT_EQ(fcn.size(), net.size() - 1);  // Flatten is gone
  EXPECT_EQ(fcn.num_parameters(), net.num_parameters());
  EXPECT_EQ(fcn.at<nn::Conv2d>(6).kernel_size(), Size2(5, 5));                   // 16x5x5 -> 120
  EXPECT_EQ(fcn.at<nn::Conv2d>(8).kernel_size(), Size2(1, 1));                   // 120 -> 84
  EXPECT_EQ(fcn.at<nn::Conv2d>(10).kernel_size(), Size2(1, 1));                  // 84 -> 10
  EXPECT_TRUE(fcn.at<nn::Conv2d>(0).weight.same(net.at<nn::Conv2d>(0).weight));  // shared body
  const Tensor x = Tensor::rand({8, 1, 28, 28});
  const Tensor dense = run(net, x), conv = run(fcn, x);
  EXPECT_EQ(conv.shape(), (Shape{8, 10, 1, 1}));
  EXPECT_LT(test::max_abs_diff(conv, dense), 1e-5);
  EXPECT_EQ(run(fcn, Tensor::rand({1, 1, 112, 112})).shape(), (Shape{1, 10, 22, 22}));
}

TEST(Convolutionalize, MlpFlattenFirstBecomesA28x28Conv) {
  manual_seed(2);
  nn::Sequential mlp{nn::Flatten(), nn::Linear(784, 32), nn::ReLU(), nn::Dropout(0.2),
                     nn::Linear(32, 10)};
  mlp.eval();
  nn::Sequential fcn = convolutionalize(mlp, {1, 28, 28});
  EXPECT_EQ(fcn.at<nn::Conv2d>(0).kernel_size(), Size2(28, 28));
  EXPECT_EQ(fcn.num_parameters(), mlp.num_parameters());
  const Tensor x = Tensor::rand({5, 1, 28, 28});
  EXPECT_LT(test::max_abs_diff(run(fcn, x), run(mlp, x)), 1e-5);
  EXPECT_EQ(run(fcn, Tensor::rand({1, 1, 112, 112})).shape(), (Shape{1, 10, 85, 85}));
}

// The point of it: on a larger image each score cell is the classifier applied to its own
// window, all in one pass.
TEST(Convolutionalize, EachCellOfALargerImageIsTheClassifierOnItsWindow) {
  nn::Sequential net = test::lenet_unpadded();
  net.eval();
  nn::Sequential fcn = convolutionalize(net, {1, 28, 28});
  const Tensor image = Tensor::rand({1, 1, 60, 68});
  const Tensor map = run(fcn, image);  // stride 4: (60 - 28) / 4 + 1 = 9 by 11
  ASSERT_EQ(map.shape(), (Shape{1, 10, 9, 11}));
  double worst = 0;
  for (int64_t i = 0; i < 9; i += 4)
    for (int64_t j = 0; j < 11; j += 5) {
      const Tensor crop = image.slice(2, 4 * i, 4 * i + 28).slice(3, 4 * j, 4 * j + 28);
      const Tensor cell = map.slice(2, i, i + 1).slice(3, j, j + 1);
      worst = std::max(worst, test::max_abs_diff(cell, run(net, crop.contiguous())));
    }
  EXPECT_LT(worst, 1e-5);
}

TEST(Convolutionalize, MaxoutBatchNormAndLogSoftmaxConvert) {
  manual_seed(3);
  nn::Sequential net{
      nn::Conv2d(1, 4, 3), nn::MaxPool2d(2),   nn::Flatten(),     nn::Maxout(4 * 5 * 5, 12, 3),
      nn::BatchNorm1d(12), nn::LeakyReLU(0.1), nn::Linear(12, 6), nn::LogSoftmax(-1)};
  run(net, Tensor::randn({16, 1, 12, 12}));  // training mode: non-trivial running statistics
  net.eval();
  nn::Sequential fcn = convolutionalize(net, {1, 12, 12});
  EXPECT_EQ(fcn.num_parameters(), net.num_parameters());
  EXPECT_EQ(fcn.state_dict().count("3.linear.weight"), 1u);
  EXPECT_TRUE(fcn.at<nn::BatchNorm2d>(3).running_mean.to_vector<float>() ==
              net.at<nn::BatchNorm1d>(4).running_mean.to_vector<float>());
  const Tensor x = Tensor::randn({4, 1, 12, 12});
  EXPECT_LT(test::max_abs_diff(run(fcn, x), run(net, x)), 1e-5);
}

TEST(Convolutionalize, LeavesTheClassifiersModesAndStatisticsAlone) {
  manual_seed(4);
  nn::Sequential net{nn::Conv2d(1, 3, 3), nn::BatchNorm2d(3), nn::Flatten(),
                     nn::Linear(3 * 6 * 6, 2)};
  net.train();
  net[1].eval();  // a frozen batch norm inside a training model stays frozen
  const auto before = net.at<nn::BatchNorm2d>(1).running_mean.to_vector<float>();
  convolutionalize(net, {1, 8, 8});
  EXPECT_TRUE(net.is_training());
  EXPECT_FALSE(net[1].is_training());
  EXPECT_TRUE(net[0].is_training());
  EXPECT_EQ(net.at<nn::BatchNorm2d>(1).running_mean.to_vector<float>(), before);
}

void expect_error(const nn::Sequential& net, const Shape& input, const std::string& what) {
  try {
    convolutionalize(net, input);
    ADD_FAILURE() << "no error; expected one saying " << what;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

TEST(Convolutionalize, ErrorsSayWhatToChange) {
  nn::Conv2dOptions pad1;
  pad1.padding = 1;
  expect_error(nn::Sequential{nn::Conv2d(1, 2, 3), nn::ReLU()}, {1, 8, 8}, "has no Flatten");
  expect_error(nn::Sequential{nn::Conv2d(1, 2, 3), nn::Flatten(), nn::ReLU()}, {1, 8, 8},
               "nothing dense follows Flatten");
  expect_error(nn::Sequential{nn::Flatten(), nn::Linear(64, 4), nn::Conv2d(4, 2, 1)}, {1, 8, 8},
               "layer 2 (Conv2d) comes after Flatten");
  expect_error(nn::Sequential{nn::Flatten(), nn::BatchNorm1d(64), nn::Linear(64, 4)}, {1, 8, 8},
               "layer 1 (BatchNorm1d) sits between Flatten and the first Linear");
  expect_error(nn::Sequential{nn::AdaptiveAvgPool2d(2), nn::Flatten(), nn::Linear(4, 2)}, {1, 8, 8},
               "pools to a fixed output size");
  expect_error(nn::Sequential{nn::Conv2d(1, 2, 3, pad1), nn::Flatten(), nn::Linear(128, 2)},
               {1, 10, 10}, "takes 128 features but gets 2x10x10 = 200");
  expect_error(nn::Sequential{nn::Flatten(), nn::Linear(64, 2)}, {64},
               "must be an image (C, H, W)");
  expect_error(nn::Sequential{nn::Flatten(2), nn::Linear(64, 2)}, {1, 8, 8}, "only Flatten(1, -1)");
  expect_error(nn::Sequential{nn::Flatten(), nn::Linear(64, 4), nn::Softmax(0)}, {1, 8, 8},
               "normalises over dim 0");
}

}  // namespace
}  // namespace nabla::vision
