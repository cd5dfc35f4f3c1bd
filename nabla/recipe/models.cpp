#include "nabla/recipe/models.hpp"

namespace nabla::recipe {

namespace {

// LeNet-5 of the notes (PyTorch's anchor; 61,706 parameters for 10 classes).
const char* kLenet = R"(layers = [
  { type = "conv2d", out = 6, kernel = 5, padding = 2 }, { type = "relu" }, { type = "maxpool2d", kernel = 2 },
  { type = "conv2d", out = 16, kernel = 5 }, { type = "relu" }, { type = "maxpool2d", kernel = 2 },
  { type = "flatten" }, { type = "linear", out = 120 }, { type = "relu" },
  { type = "linear", out = 84 }, { type = "relu" }, { type = "linear", out = "classes" } ])";
const char* kMlp = R"(layers = [
  { type = "flatten" }, { type = "linear", out = 256 }, { type = "relu" },
  { type = "linear", out = 128 }, { type = "relu" }, { type = "linear", out = "classes" } ])";
// The default small CNN (configs/default.toml spells out the same list).
const char* kCnn = R"(layers = [
  { type = "conv2d", out = 32, kernel = 3, padding = 1, bias = false }, { type = "batchnorm2d" }, { type = "relu" },
  { type = "maxpool2d", kernel = 2 },
  { type = "conv2d", out = 64, kernel = 3, padding = 1, bias = false }, { type = "batchnorm2d" }, { type = "relu" },
  { type = "maxpool2d", kernel = 2 },
  { type = "flatten" }, { type = "dropout", p = 0.2 }, { type = "linear", out = 128 }, { type = "relu" },
  { type = "dropout", p = 0.2 }, { type = "linear", out = "classes" } ])";

}  // namespace

Registry<ModelToml>& models() {
  static Registry<ModelToml> table(
      "model", "model.name",
      {{"lenet", kLenet, "LeNet-5: two 5x5 convolutions with max pooling, then 120-84-classes"},
       {"mlp", kMlp, "784-256-128-classes perceptron with ReLU"},
       {"cnn", kCnn, "two 3x3 conv-batchnorm-relu-pool blocks, dropout, 128-classes"}});
  return table;
}

}  // namespace nabla::recipe
