// Models imported from a file instead of built from a layer list:
//
//   [model]
//   onnx = "lenet.onnx"   # an ONNX model (path as given, from the working directory); its
//   name = "torch-lenet"  #   initializers become the parameters `nabla train` fine-tunes
//
// The model takes one input of the data's sample shape with a batch dim in front (export it from
// PyTorch with a dynamic batch axis) and must give one score per class. `layers` and `init` do
// not combine with it (the file is the architecture and the weights), nor does rng = "pytorch"
// (which would redraw the weights).
//
// recipe does not link the onnx layer (optional: built where libonnx-dev is installed), so the
// program that does registers the loader: the nabla program at start-up, a C++ user with
//   recipe::set_onnx_model_loader([](const std::string& p) { return onnx::OnnxModel::load(p); });
// Without one, a config with `onnx` is an error saying so.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "nabla/recipe/model_config.hpp"

namespace nabla::recipe {

using ModelFileLoader = std::function<std::shared_ptr<nn::Module>(const std::string& path)>;

void set_onnx_model_loader(ModelFileLoader loader);
bool has_onnx_model_loader();

// The [model] table names a file to import (`onnx = ...`).
bool is_imported_model(const io::Config& model);

// Loads the file, runs it once on a zero batch of one (eval mode, no grad) and checks its output
// against `head` as build_model does; errors name "model.onnx" and the file.
BuiltModel build_imported_model(const io::Config& model, const Shape& input_shape,
                                int64_t num_classes, ModelHead head);

}  // namespace nabla::recipe
