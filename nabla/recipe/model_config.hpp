// Models from configs: the [model] table's list of layers -> an nn::Sequential, or an nn::Graph
// when entries are wired by name.
//
//   [model]
//   name = "lenet"            # a built-in (recipe::models(): lenet | mlp | cnn), or a label when
//   layers = [                #   layers are given
//     { type = "conv2d", out = 6, kernel = 5, padding = 2 },
//     { type = "relu" }, { type = "maxpool2d", kernel = 2 },
//     { type = "flatten" }, { type = "linear", out = 10 } ]
//   init = "he_normal"        # optional: default | xavier_uniform | xavier_normal |
//                             #   he_uniform | he_normal | zeros (the notes' symmetry demo)
//
// Layer types and their keys: recipe::layer_types() (layers.hpp). A conv or linear layer needs
// only `out`: the input sizes are inferred (an explicit `in` is checked against them).
//
// Graphs (skip connections, several outputs): an entry may have `name = "b1"` and take its input
// from a named earlier entry, `input = "pool3"` (default: the entry before it; the first takes
// "input", the model's input); { type = "add", inputs = ["a", "b"] } sums entries of one shape,
// { type = "concat", inputs = ["a", "b"] } joins them along channels. `outputs = ["a", ...]`
// names the output nodes (default: the last entry; the model's forward returns the first).
// Unnamed entries of a graph are named by their position ("3"), so state-dict keys read
// "3.weight" or "b1.weight". A list that uses none of these builds an nn::Sequential, as always.
//
// `onnx = "model.onnx"` instead of `layers` imports a model file (recipe/imported_model.hpp).
//
// Shapes come from the ops themselves: each freshly built module runs forward once on a zero
// tensor of batch 1 (eval mode, no grad: no random numbers are drawn, so the weights are those
// of the same seed without the probe), and an op's error comes back prefixed with the place:
// "model: layer 3 (conv2d): conv2d: the kernel (5x5 ...) is larger than the padded input ...".
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nabla/core/tensor.hpp"
#include "nabla/io/config.hpp"
#include "nabla/nn/module.hpp"

namespace nabla::recipe {

// One entry of the layer list, as the probe pass saw it.
struct BuiltLayer {
  std::string name;                    // node name: the entry's `name`, else its position "3"
  std::string type;                    // "conv2d", "add", ...
  std::vector<std::string> inputs;     // node names; "input" is the model's input
  std::vector<Shape> input_shapes;     // per sample
  Shape output_shape;                  // per sample
  std::shared_ptr<nn::Module> module;  // null for add and concat
};

struct BuiltModel {
  std::shared_ptr<nn::Module> net;  // nn::Sequential, or nn::Graph
  bool is_graph = false;
  std::string name;  // [model] name, "" when absent
  Shape input_shape;
  std::vector<BuiltLayer> layers;
  std::vector<std::string> outputs;  // the first is what forward returns
};

// What the (first) output must be per sample: one score per class (classification), or one
// score map per class at the input's height and width (semantic segmentation, recipe/segment).
enum class ModelHead { Scores, PixelScores };

// `model` is the [model] table; input_shape is one sample's (C, H, W) (or (F) for vectors).
// Throws nabla::Error naming the layer (index or node name) and key for a bad spec or a shape
// that does not fit, and when the (first) output is not what `head` asks for.
BuiltModel build_model(const io::Config& model, const Shape& input_shape = {1, 28, 28},
                       int64_t num_classes = 10, ModelHead head = ModelHead::Scores);
std::shared_ptr<nn::Module> model_from_config(const io::Config& model,
                                              const Shape& input_shape = {1, 28, 28},
                                              int64_t num_classes = 10);

}  // namespace nabla::recipe
