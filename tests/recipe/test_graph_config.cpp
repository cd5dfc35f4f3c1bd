// Graph models from configs (`name`, `input`, `inputs`, add, concat, outputs), the open table of
// layer types, the probe pass (shapes from the ops, no random numbers drawn) and the summary.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "nabla/core/random.hpp"
#include "nabla/io/config.hpp"
#include "nabla/nn/nn.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/recipe/layers.hpp"
#include "nabla/recipe/model_config.hpp"
#include "nabla/recipe/summary.hpp"

namespace nabla {
namespace {

io::Config parse(const std::string& s) { return io::parse_config(s, "test.toml"); }

recipe::BuiltModel build(const std::string& layers, Shape in = {1, 8, 8}, int64_t classes = 3) {
  return recipe::build_model(parse("layers = [" + layers + "]"), in, classes);
}

std::string build_error(const std::string& layers) {
  try {
    build(layers);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

const char* kHead =
    R"({ type = "adaptive_avgpool2d" }, { type = "flatten" }, { type = "linear", out = 3 })";

TEST(GraphConfig, ResidualBlockBuildsAGraphWithNodeNamedKeys) {
  auto m = build(std::string(R"(
    { name = "stem", type = "conv2d", out = 4, kernel = 3, padding = 1 },
    { type = "relu" },
    { name = "body", type = "conv2d", out = 4, kernel = 3, padding = 1 },
    { name = "sum", type = "add", inputs = ["stem", "body"] },
    { name = "proj", input = "stem", type = "conv2d", out = 2, kernel = 1, stride = 2 }, )") +
                 kHead);
  ASSERT_TRUE(m.is_graph);
  auto* g = dynamic_cast<nn::Graph*>(m.net.get());
  ASSERT_NE(g, nullptr);
  const auto sd = m.net->state_dict();
  for (const char* k : {"stem.weight", "body.bias", "proj.weight", "7.weight"})
    EXPECT_EQ(sd.count(k), 1u) << k;
  EXPECT_EQ(m.layers[1].inputs, (std::vector<std::string>{"stem"}));  // the entry before
  EXPECT_EQ(m.layers[4].inputs, (std::vector<std::string>{"stem"}));  // `input`
  EXPECT_EQ(m.layers[4].output_shape, (Shape{2, 4, 4}));
  EXPECT_EQ(m.outputs, (std::vector<std::string>{"7"}));
  // the skip branch "sum" feeds nothing after proj: the default output is the last entry
  EXPECT_EQ(m.net->forward(Tensor::zeros({2, 1, 8, 8})).shape(), (Shape{2, 3}));
}

TEST(GraphConfig, PlainListsStaySequential) {
  auto m = build(std::string(R"({ type = "conv2d", out = 2, kernel = 3 }, )") + kHead);
  EXPECT_FALSE(m.is_graph);
  EXPECT_NE(dynamic_cast<nn::Sequential*>(m.net.get()), nullptr);
  EXPECT_EQ(m.net->state_dict().count("0.weight"), 1u);
  EXPECT_EQ(m.net->state_dict().count("3.bias"), 1u);
}

TEST(GraphConfig, ConcatJoinsChannelsAndOutputsPickTheReturnedNode) {
  auto m = recipe::build_model(parse(R"(
    outputs = ["logits", "up"]
    layers = [
      { name = "enc", type = "conv2d", out = 3, kernel = 3, padding = 1 },
      { type = "maxpool2d", kernel = 2 },
      { name = "up", type = "conv_transpose2d", out = 2, kernel = 2, stride = 2 },
      { name = "cat", type = "concat", inputs = ["up", "enc"] },
      { type = "adaptive_maxpool2d" }, { type = "flatten" },
      { name = "logits", type = "linear", out = 3 } ])"),
                               {1, 8, 8}, 3);
  EXPECT_EQ(m.layers[3].output_shape, (Shape{5, 8, 8}));
  auto* g = dynamic_cast<nn::Graph*>(m.net.get());
  ASSERT_NE(g, nullptr);
  auto outs = g->forward_all(Tensor::zeros({1, 1, 8, 8}));
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[0].second.shape(), (Shape{1, 3}));
  EXPECT_EQ(outs[1].second.shape(), (Shape{1, 2, 8, 8}));
}

TEST(GraphConfig, WiringErrorsNameTheNode) {
  const std::string conv = R"({ name = "a", type = "conv2d", out = 2, kernel = 3, padding = 1 }, )";
  EXPECT_NE(build_error(conv + R"({ name = "b", type = "relu", input = "pool3" }, )" + kHead)
                .find("model: node \"b\" (relu): unknown input \"pool3\"; an input names an "
                      "earlier entry or \"input\" (so far: input, a)"),
            std::string::npos);
  EXPECT_NE(build_error(conv + R"({ name = "a", type = "relu" }, )" + kHead)
                .find("model: node \"a\" (relu): the name \"a\" is already taken by entry 0 "
                      "(conv2d)"),
            std::string::npos);
  EXPECT_NE(build_error(conv + R"({ name = "s", type = "add", inputs = ["a"] }, )" + kHead)
                .find("model: node \"s\" (add): add needs two or more `inputs`"),
            std::string::npos);
  EXPECT_NE(
      build_error(conv + R"({ name = "r", type = "relu", inputs = ["a", "input"] }, )" + kHead)
          .find("node \"r\" (relu): a relu layer takes one input"),
      std::string::npos);
  std::string e;
  try {
    recipe::build_model(parse("outputs = [\"nope\"]\nlayers = [" + conv + kHead + "]"), {1, 8, 8},
                        3);
  } catch (const Error& err) {
    e = err.what();
  }
  EXPECT_NE(e.find("model.outputs: unknown entry \"nope\""), std::string::npos) << e;
  // config-only checks stay: an explicit `in` that disagrees with the inferred one
  EXPECT_NE(
      build_error(R"({ type = "conv2d", in = 3, out = 2, kernel = 3 }, )" + std::string(kHead))
          .find("model: layer 0 (conv2d): in = 3 but the previous layers give 1"),
      std::string::npos);
}

TEST(GraphConfig, MergeShapeErrorsNameTheNodeAndBothInputs) {
  const std::string two = R"({ name = "a", type = "conv2d", out = 2, kernel = 3, padding = 1 },
    { name = "b", type = "conv2d", out = 4, kernel = 3, padding = 1, input = "input" }, )";
  const std::string add =
      build_error(two + R"({ name = "s", type = "add", inputs = ["a", "b"] }, )" + kHead);
  EXPECT_NE(add.find("model: node \"s\" (add): add: input \"a\" is [1, 2, 8, 8] but input \"b\" is "
                     "[1, 4, 8, 8]; an add needs inputs of one shape"),
            std::string::npos)
      << add;
  const std::string pooled = R"({ name = "a", type = "conv2d", out = 2, kernel = 3, padding = 1 },
    { name = "p", type = "maxpool2d", kernel = 2 }, )";
  const std::string cat =
      build_error(pooled + R"({ name = "c", type = "concat", inputs = ["a", "p"] }, )" + kHead);
  EXPECT_NE(cat.find("model: node \"c\" (concat): concat: input \"a\" is [1, 2, 8, 8] but input "
                     "\"p\" is [1, 2, 4, 4]; a concat joins channels (dim 1)"),
            std::string::npos)
      << cat;
}

// A layer type of the user's own, registered from C++: the same table the built-ins are in.
class Doubler : public nn::Module {
 public:
  Tensor forward(const Tensor& x) override { return x * 2.0; }
};

TEST(GraphConfig, UserRegisteredLayerType) {
  recipe::layer_types().add(
      "test_doubler",
      [](const recipe::LayerSpec& s) -> std::shared_ptr<nn::Module> {
        recipe::check_layer(s.config.get_int("factor", 2) == 2, "only factor = 2 is built in");
        return std::make_shared<Doubler>();
      },
      "x * 2 (a test's own layer)");
  EXPECT_EQ(recipe::layer_types().at("test_doubler").help, "x * 2 (a test's own layer)");
  auto m =
      build(R"({ type = "flatten" }, { type = "test_doubler" }, { type = "linear", out = 3 })");
  EXPECT_EQ(m.layers[1].output_shape, (Shape{64}));
  EXPECT_NE(dynamic_cast<Doubler*>(m.layers[1].module.get()), nullptr);
  // its errors get the place like the built-ins'
  EXPECT_NE(build_error(R"({ type = "flatten" }, { type = "test_doubler", factor = 3 },
                          { type = "linear", out = 3 })")
                .find("model: layer 1 (test_doubler): only factor = 2 is built in"),
            std::string::npos);
  EXPECT_THROW(recipe::layer_types().add("conv2d", nullptr), Error);  // no replacing built-ins
}

// The probe runs every layer once in eval mode: a dropout layer in training mode would draw from
// the global generator. Building from the config must leave the generator where building the
// same modules by hand leaves it, with the same weights.
TEST(GraphConfig, TheProbeDrawsNoRandomNumbers) {
  manual_seed(11);
  auto m = build(R"({ type = "conv2d", out = 2, kernel = 3 }, { type = "dropout2d", p = 0.5 },
    { type = "flatten" }, { type = "dropout", p = 0.5 }, { type = "linear", out = 3 })");
  const double after_config = Tensor::rand({1}).item();
  manual_seed(11);
  nn::Conv2d conv(1, 2, 3);
  nn::Linear linear(72, 3);
  EXPECT_EQ(Tensor::rand({1}).item(), after_config);
  EXPECT_EQ(m.net->state_dict().at("0.weight").to_vector<float>(), conv.weight.to_vector<float>());
  EXPECT_EQ(m.net->state_dict().at("4.weight").to_vector<float>(),
            linear.weight.to_vector<float>());
  EXPECT_TRUE(m.net->is_training());
  for (const auto& [name, mod] : m.net->named_modules()) EXPECT_TRUE(mod->is_training()) << name;
}

TEST(ModelSummary, LeNetCountsByHand) {
  auto s = recipe::summarize(recipe::build_model(parse("name = \"lenet\""), {1, 28, 28}, 10));
  EXPECT_EQ(s.params, 61706);
  EXPECT_EQ(s.trainable_params, 61706);
  ASSERT_EQ(s.layers.size(), 12u);
  // conv1: 6 maps of 28x28 (padding 2), each output a 1x5x5 dot product: 2 * 6*28*28 * 25
  EXPECT_EQ(s.layers[0].flops, 2 * 6 * 28 * 28 * 25);  // 235,200
  EXPECT_EQ(s.layers[0].params, 6 * 25 + 6);
  // conv2: 16 maps of 10x10 from 6 channels: 2 * 16*10*10 * 6*5*5
  EXPECT_EQ(s.layers[3].flops, 2 * 16 * 10 * 10 * 6 * 25);  // 480,000
  EXPECT_EQ(s.layers[3].output_shape, (Shape{16, 10, 10}));
  EXPECT_EQ(s.layers[7].flops, 2 * 400 * 120);
  EXPECT_EQ(s.layers[1].flops, 0);  // relu: not counted (summary.hpp)
  EXPECT_EQ(s.flops, 235200 + 480000 + 2 * (400 * 120 + 120 * 84 + 84 * 10));  // 833,040
  const std::string text = recipe::format_summary(s);
  EXPECT_NE(text.find("total: 61,706 parameters (61,706 trainable); 833,040 FLOPs per sample"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("235,200"), std::string::npos) << text;
}

TEST(ModelSummary, GraphNodesCountAddsAndTransposedConvolutions) {
  auto m = recipe::build_model(parse(R"(layers = [
      { name = "a", type = "conv2d", out = 4, kernel = 1, bias = false },
      { name = "s", type = "add", inputs = ["a", "a", "a"] },
      { name = "up", type = "conv_transpose2d", out = 2, kernel = 2, stride = 2 },
      { type = "adaptive_avgpool2d" }, { type = "flatten" }, { type = "linear", out = 3 } ])"),
                               {1, 5, 5}, 3);
  auto s = recipe::summarize(m);
  EXPECT_EQ(s.layers[1].flops, 2 * 4 * 5 * 5);  // three inputs: two adds per element
  // each of the 4*5*5 input values scatters a 2x2 kernel to 2 output channels
  EXPECT_EQ(s.layers[2].flops, 2 * (4 * 5 * 5) * 2 * 2 * 2);
  EXPECT_EQ(s.layers[2].output_shape, (Shape{2, 10, 10}));
  EXPECT_EQ(s.layers[2].params, 4 * 2 * 2 * 2 + 2);
  const std::string text = recipe::format_summary(s);
  EXPECT_NE(text.find("a, a, a"), std::string::npos) << text;  // the inputs column
  EXPECT_NE(text.find("outputs: 5"), std::string::npos) << text;
}

}  // namespace
}  // namespace nabla
