// The `gelu` layer type: one entry in the layer table (nabla/recipe/layers.cpp) reaches the op
// and module that tests/ops/test_gelu.cpp and the PyTorch activation fixture check.
#include <gtest/gtest.h>

#include <string>

#include "nabla/io/config.hpp"
#include "nabla/nn/nn.hpp"
#include "nabla/ops/activation.hpp"
#include "nabla/recipe/model_config.hpp"

namespace nabla {
namespace {

TEST(LayerTypes, GeluFromAConfigIsTheModuleWithItsApproximation) {
  for (const std::string approx : {"none", "tanh"}) {
    auto net = recipe::model_from_config(
        io::parse_config(
            R"(layers = [ { type = "linear", out = 3 }, { type = "gelu", approximate = ")" +
                approx + R"(" } ])",
            "test.toml"),
        {4}, 3);
    const auto kids = net->named_children();
    ASSERT_EQ(kids.size(), 2u);
    EXPECT_NE(kids[1].second->extra_repr().find(approx == "tanh" ? "tanh" : ""), std::string::npos);
    const Tensor x = Tensor::randn({5, 4});
    const Tensor pre = kids[0].second->forward(x);
    const Tensor want = approx == "tanh" ? gelu(pre, GeluApproximate::Tanh) : gelu(pre);
    EXPECT_EQ(net->forward(x).to_vector<float>(), want.to_vector<float>()) << approx;
  }
  EXPECT_THROW(
      recipe::model_from_config(
          io::parse_config(R"(layers = [ { type = "gelu", approximate = "erf" } ])", "t"), {3}, 3),
      Error);
}

}  // namespace
}  // namespace nabla
