// The config's layer list with conv2d `padding = "same"` / `padding_mode` and batch norm
// `momentum = "none"`: the built modules carry the options, shapes are inferred through them, and
// bad combinations name the layer and the fix.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "nabla/io/config.hpp"
#include "nabla/nn/nn.hpp"
#include "nabla/recipe/model_config.hpp"

namespace nabla {
namespace {

io::Config parse(const std::string& s) { return io::parse_config(s, "test.toml"); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::shared_ptr<nn::Module> build(const std::string& layers, Shape in = {2, 5, 6}) {
  return recipe::model_from_config(parse("layers = [" + layers + "]"), in, 3);
}

TEST(ModelConfigPadding, SameAndPaddingModeReachTheLayer) {
  auto net =
      build(R"({ type = "conv2d", out = 4, kernel = 4, padding = "same", padding_mode = "reflect" },
    { type = "conv2d", out = 2, kernel = 3, padding = 2, padding_mode = "circular", stride = 2 },
    { type = "flatten" }, { type = "linear", out = 3 })");
  auto* c0 = dynamic_cast<nn::Conv2d*>(net->children()[0].get());
  auto* c1 = dynamic_cast<nn::Conv2d*>(net->children()[1].get());
  ASSERT_TRUE(c0 && c1);
  EXPECT_TRUE(c0->options().padding.same);
  EXPECT_EQ(c0->options().padding_mode, nn::PaddingMode::Reflect);
  EXPECT_EQ(c1->options().padding_mode, nn::PaddingMode::Circular);
  // 5x6 -same-> 5x6 -(k3 p2 s2)-> 4x4: 2*4*4 = 32 features into the linear layer
  EXPECT_EQ(net->forward(Tensor::zeros({1, 2, 5, 6})).shape(), (Shape{1, 3}));
  EXPECT_EQ(dynamic_cast<nn::Linear*>(net->children()[3].get())->weight.size(1), 32);
}

TEST(ModelConfigPadding, BatchNormMomentumNone) {
  auto net = build(
      R"({ type = "batchnorm2d", momentum = "none" }, { type = "batchnorm2d", momentum = 0.3 },
    { type = "flatten" }, { type = "linear", out = 3 })");
  EXPECT_FALSE(dynamic_cast<nn::BatchNorm*>(net->children()[0].get())->options().momentum);
  EXPECT_EQ(dynamic_cast<nn::BatchNorm*>(net->children()[1].get())->options().momentum, 0.3);
  EXPECT_NE(error_of([] {
              build(R"({ type = "batchnorm2d", momentum = "never" }, { type = "flatten" },
                       { type = "linear", out = 3 })");
            }).find("layer 0 (batchnorm2d): momentum must be a number or \"none\""),
            std::string::npos);
}

TEST(ModelConfigPadding, BadCombinationsNameTheLayerAndTheFix) {
  // The config layer parses the keys; the checks that follow are the layer's and the ops' own
  // (nn::Conv2d, nabla::pad), reached by the builder's probe and prefixed with the layer's place.
  const std::string tail = R"(, { type = "flatten" }, { type = "linear", out = 3 })";
  auto err = [&](const std::string& conv) { return error_of([&] { build(conv + tail); }); };
  EXPECT_NE(err(R"({ type = "conv2d", out = 2, kernel = 3, stride = 2, padding = "same" })")
                .find("layer 0 (conv2d): Conv2d: padding \"same\" needs stride 1"),
            std::string::npos);
  EXPECT_NE(err(R"({ type = "conv2d", out = 2, kernel = 3, padding = "valid" })")
                .find("layer 0 (conv2d): padding must be a number or \"same\""),
            std::string::npos);
  EXPECT_NE(err(R"({ type = "conv2d", out = 2, kernel = 3, padding_mode = "mirror" })")
                .find("layer 0 (conv2d): padding_mode: unknown padding mode 'mirror' (expected "
                      "zeros, reflect"),
            std::string::npos);
  // 5x6 input: reflect needs padding < 5
  EXPECT_NE(
      err(R"({ type = "conv2d", out = 2, kernel = 11, padding = 5, padding_mode = "reflect" })")
          .find("layer 0 (conv2d): pad: reflect padding must be smaller than the padded dim: got "
                "padding (5, 5) for dim 2 of size 5"),
      std::string::npos);
  EXPECT_NE(
      err(R"({ type = "conv2d", out = 2, kernel = 13, padding = 6, padding_mode = "circular" })")
          .find("layer 0 (conv2d): pad: circular padding may wrap around at most once"),
      std::string::npos);
  // the same paddings with modes that allow them build
  EXPECT_EQ(
      err(R"({ type = "conv2d", out = 2, kernel = 11, padding = 5, padding_mode = "replicate" })"),
      "(no error)");
}

}  // namespace
}  // namespace nabla
