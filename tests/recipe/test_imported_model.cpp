// `[model] onnx = "..."`: recipe builds an imported model through the loader the program
// registers (recipe links no onnx layer; tests/apps runs the real ONNX one). Here a stand-in
// loader returns small nn modules, so the checks around it are tested on their own.
#include <gtest/gtest.h>

#include "nabla/io/config.hpp"
#include "nabla/nn/container.hpp"
#include "nabla/nn/nn.hpp"
#include "nabla/recipe/imported_model.hpp"

namespace nabla::recipe {
namespace {

std::string error_of(const std::string& toml, int64_t classes = 10) {
  try {
    build_model(io::parse_config(toml), {1, 28, 28}, classes);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// The loader is process-wide state: each test sets what it needs and clears it after.
struct LoaderScope {
  explicit LoaderScope(ModelFileLoader f) { set_onnx_model_loader(std::move(f)); }
  ~LoaderScope() { set_onnx_model_loader(nullptr); }
};

std::shared_ptr<nn::Module> flatten_linear(int64_t out) {
  auto seq = std::make_shared<nn::Sequential>();
  seq->push_back(std::make_shared<nn::Flatten>());
  seq->push_back(std::make_shared<nn::Linear>(784, out));
  return seq;
}

TEST(RecipeImportedModel, WithoutALoaderTheErrorSaysWhatToInstall) {
  const std::string e = error_of("onnx = \"m.onnx\"");
  EXPECT_NE(e.find("model.onnx"), std::string::npos) << e;
  EXPECT_NE(e.find("built without ONNX support (install libonnx-dev"), std::string::npos) << e;
}

TEST(RecipeImportedModel, TheLoadedModuleIsTheModelWithItsWeights) {
  std::string asked;
  auto net = flatten_linear(10);
  LoaderScope scope([&](const std::string& p) {
    asked = p;
    return net;
  });
  const BuiltModel m = build_model(io::parse_config("onnx = \"dir/m.onnx\"\nname = \"t\""));
  EXPECT_EQ(asked, "dir/m.onnx");
  EXPECT_EQ(m.net, net);  // not rebuilt or re-initialised
  EXPECT_EQ(m.name, "t");
  ASSERT_EQ(m.layers.size(), 1u);
  EXPECT_EQ(m.layers[0].output_shape, (Shape{10}));
  EXPECT_TRUE(m.net->is_training());  // as every freshly built model
}

TEST(RecipeImportedModel, WrongOutputsAndConflictingKeysAreErrors) {
  LoaderScope scope([](const std::string&) { return flatten_linear(7); });
  std::string e = error_of("onnx = \"m.onnx\"");
  EXPECT_NE(e.find("\"m.onnx\" gives [7] per sample but the data needs [10]"), std::string::npos)
      << e;
  e = error_of("onnx = \"m.onnx\"\nlayers = [ { type = \"flatten\" } ]", 7);
  EXPECT_NE(e.find("either `onnx`"), std::string::npos) << e;
  e = error_of("onnx = \"m.onnx\"\ninit = \"he_normal\"", 7);
  EXPECT_NE(e.find("keeps its file's weights"), std::string::npos) << e;
}

TEST(RecipeImportedModel, AModelThatCannotRunOnTheDataSaysSo) {
  LoaderScope scope([](const std::string&) {
    return std::make_shared<nn::Linear>(5, 10);  // wants 5 features, gets 1x28x28 images
  });
  const std::string e = error_of("onnx = \"m.onnx\"");
  EXPECT_NE(e.find("\"m.onnx\": running it on one sample of shape [1, 28, 28] failed"),
            std::string::npos)
      << e;
}

}  // namespace
}  // namespace nabla::recipe
