// Export: models built from nn layers go to ONNX, pass onnx::checker, and come back through the
// importer with the same outputs; a module without an ONNX form is an error naming it.
#include <gtest/gtest.h>

#include "nabla/nn/nn.hpp"
#include "nabla/onnx/export.hpp"
#include "nabla/onnx/model.hpp"

namespace nabla::onnx {
namespace {

// Export, check, re-import, and compare on a random batch of two.
void expect_round_trip(nn::Module& net, const Shape& sample, int64_t opset = 13,
                       DType dtype = DType::Float32) {
  net.eval();
  const auto proto = export_model(net, sample, {.opset = opset});
  ASSERT_NO_THROW(check_model(proto));
  OnnxModel back(proto);
  Shape batch{2};
  batch.insert(batch.end(), sample.begin(), sample.end());
  Generator gen(7);
  const Tensor x = Tensor::randn(batch, dtype, &gen);
  const Tensor want = net(x), got = back(x);
  ASSERT_EQ(got.shape(), want.shape());
  const auto g = got.to_vector<double>(), w = want.to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i) EXPECT_NEAR(g[i], w[i], 1e-4 + 1e-4 * std::abs(w[i])) << i;
}

TEST(OnnxExport, SequentialOfEveryLayerRoundTrips) {
  nn::Sequential net{nn::Conv2d(1, 4, 3, {.padding = kPaddingSame, .dilation = 1}),
                     nn::BatchNorm2d(4),
                     nn::LeakyReLU(0.2),
                     nn::Conv2d(4, 4, 3, {.stride = 2, .padding = 1, .dilation = 2, .groups = 2}),
                     nn::GELU("tanh"),
                     nn::ConvTranspose2d(4, 3, 3, {.stride = 2, .padding = 1, .output_padding = 1}),
                     nn::GELU(),
                     nn::MaxPool2d(2, {.padding = 1}),
                     nn::AvgPool2d(2, {.stride = 1, .padding = 1, .count_include_pad = false}),
                     nn::Sigmoid(),
                     nn::Dropout(0.3),
                     nn::Flatten(),
                     nn::Linear(3 * 7 * 7, 8),
                     nn::BatchNorm1d(8),
                     nn::Tanh(),
                     nn::Linear(8, 5),
                     nn::LogSoftmax(1)};
  // non-trivial running statistics, so eval batch norm is not the identity
  for (auto& [name, buf] : net.named_buffers())
    if (name.find("running_mean") != std::string::npos) buf.fill_(0.3);
  expect_round_trip(net, {1, 12, 12});
  expect_round_trip(net, {1, 12, 12}, 17);
}

TEST(OnnxExport, GraphWithAddAndConcatRoundTrips) {
  nn::Graph g;
  g.add_layer("stem", "input", nn::Conv2d(2, 4, 3, {.padding = 1}));
  g.add_layer("a", "stem", nn::ReLU());
  g.add_layer("b", "a", nn::Conv2d(4, 4, 1));
  g.add_sum("sum", {"stem", "a", "b"});
  g.add_concat("cat", {"sum", "stem"});
  g.add_layer("pool", "cat", nn::AdaptiveAvgPool2d(1));
  g.add_layer("flat", "pool", nn::Flatten());
  expect_round_trip(g, {2, 6, 6});
}

TEST(OnnxExport, Float64ModelsExportAsDouble) {
  nn::Sequential net{nn::Linear(3, 4), nn::GELU(), nn::Linear(4, 2), nn::GELU("tanh")};
  net.to(DType::Float64);
  expect_round_trip(net, {3}, 13, DType::Float64);
  EXPECT_EQ(export_model(net, {3}).graph().input(0).type().tensor_type().elem_type(),
            ::onnx::TensorProto::DOUBLE);
}

TEST(OnnxExport, ModulesWithoutAnOnnxFormAreNamed) {
  nn::Sequential net{nn::Flatten(), nn::Maxout(16, 4, 2)};
  try {
    export_model(net, {16});
    FAIL() << "Maxout was exported";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Maxout '1'"), std::string::npos) << e.what();
  }
  nn::Sequential pooled{nn::AdaptiveAvgPool2d(2)};
  EXPECT_THROW(export_model(pooled, {1, 4, 4}), Error);
}

}  // namespace
}  // namespace nabla::onnx
