// The config builder infers shapes by running each freshly built layer once (the probe), so a
// layer the op would reject at the first forward is refused when the model is built, with the
// op's own message, and sizes from absurd parameters are errors rather than wrapped numbers.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "nabla/io/config.hpp"
#include "nabla/nn/nn.hpp"
#include "nabla/recipe/model_config.hpp"

namespace nabla {
namespace {

std::string build_error(const std::string& layers) {
  try {
    recipe::model_from_config(io::parse_config("layers = [" + layers + "]", "test.toml"), {1, 4, 4},
                              3);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ModelConfigShapes, PoolingThatDoesNotFitIsRefusedAtBuildTime) {
  // (4 - 5) / 2 + 1 truncates to 1: the old copy of the formula accepted this layer and the op
  // refused it at the first forward
  const std::string e = build_error(R"({ type = "maxpool2d", kernel = 5, stride = 2 })");
  EXPECT_NE(e.find("layer 0 (maxpool2d)"), std::string::npos) << e;
  EXPECT_NE(e.find("max_pool2d"), std::string::npos) << e;
}

TEST(ModelConfigShapes, ConvolutionThatDoesNotFitIsRefusedAtBuildTime) {
  const std::string e = build_error(R"({ type = "conv2d", out = 2, kernel = 5, stride = 2 })");
  EXPECT_NE(e.find("model: layer 0 (conv2d): conv2d: the kernel (5x5"), std::string::npos) << e;
}

TEST(ModelConfigShapes, AbsurdDilationIsAnErrorNotAWrappedSize) {
  // dilation * (kernel - 1) = 2^62 * 2 wraps int64 to a negative reach, which made the output
  // size come out positive and the model train
  const std::string e =
      build_error(R"({ type = "conv2d", out = 2, kernel = 3, dilation = 4611686018427387905 })");
  EXPECT_NE(
      e.find("layer 0 (conv2d): conv2d: kernel reach (dilation * (kernel - 1)) overflows int64"),
      std::string::npos)
      << e;
}

}  // namespace
}  // namespace nabla
