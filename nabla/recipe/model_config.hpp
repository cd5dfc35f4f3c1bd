// Models from configs: an nn::Sequential built from a TOML list of layers, or a named model.
//
//   [model]
//   name = "lenet"            # lenet | mlp | cnn (the built-ins below), or a label when
//   layers = [                #   layers are given
//     { type = "conv2d", out = 6, kernel = 5, padding = 2 },
//     { type = "relu" }, { type = "maxpool2d", kernel = 2 },
//     { type = "flatten" }, { type = "linear", out = 10 } ]
//   init = "he_normal"        # optional: default | xavier_uniform | xavier_normal |
//                             #   he_uniform | he_normal | zeros (the notes' symmetry demo)
//
// conv2d also takes `padding = "same"` (stride 1; PyTorch's split for even kernels) and
// `padding_mode = "zeros" | "reflect" | "replicate" | "circular"`; batchnorm1d/2d take
// `momentum = 0.1` or `momentum = "none"` (PyTorch's None: the cumulative average).
//
// Input sizes are inferred: the builder follows the (C, H, W) shape through the layers with
// the output-size formula (H + 2P - D(K-1) - 1)/S + 1, so a conv or linear layer needs only
// `out` (an explicit `in` is checked against the inferred one).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nabla/core/tensor.hpp"
#include "nabla/io/config.hpp"
#include "nabla/nn/container.hpp"

namespace nabla::recipe {

// Layer types `layers` accepts, for --help and error messages.
const std::vector<std::string>& layer_types();
const std::vector<std::string>& named_models();

// `model` is the [model] table; input_shape is one sample's (C, H, W) (or (F) for vectors).
// Throws nabla::Error naming the layer index and key for a bad spec or a shape that does not fit.
std::shared_ptr<nn::Sequential> model_from_config(const io::Config& model,
                                                  const Shape& input_shape = {1, 28, 28},
                                                  int64_t num_classes = 10);
// The layer list of a named model (lenet, mlp, cnn) as a TOML array, e.g. for printing.
std::string named_model_layers_toml(const std::string& name);

}  // namespace nabla::recipe
