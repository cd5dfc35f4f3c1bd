// model.init -> an initialisation scheme for every conv/linear weight (notes section 7), through
// the init_schemes() table: one entry per `model.init`, the only list of them.
#pragma once
#include <functional>
#include <string>

#include "nabla/core/registry.hpp"
#include "nabla/core/tensor.hpp"
#include "nabla/nn/module.hpp"

namespace nabla::recipe {

// Re-initialises a built model in place (its layers' own init already ran).
using InitScheme = std::function<void(nn::Module& net)>;

// The table (built-ins: default, xavier_uniform, xavier_normal, he_uniform, he_normal, zeros).
// A scheme of one's own is usually init_weights with a fill:
//   recipe::init_schemes().add("orthogonal", [](nn::Module& m) { recipe::init_weights(m, f); });
Registry<InitScheme>& init_schemes();

// Walks the parameters in named_parameters() order: `fill` gets every weight of rank >= 2,
// biases go to zero, norm layers' weights (rank 1) stay at one. The order fixes the random
// draws, so a seed gives the same weights whatever else changes.
void init_weights(nn::Module& net, const std::function<void(Tensor& weight)>& fill);

// Applies init_schemes().at(scheme) ("default" leaves the layers' own initialisation).
void init_model(nn::Module& net, const std::string& scheme);

}  // namespace nabla::recipe
