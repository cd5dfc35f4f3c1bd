// model.init -> an initialisation scheme for every conv/linear weight (notes section 7).
#pragma once
#include <string>

#include "nabla/nn/module.hpp"

namespace nabla::recipe {

// Applies an initialisation scheme to every weight of rank >= 2; biases go to zero, norm
// layers' weights stay at one. "default" leaves the layers' own initialisation.
void init_model(nn::Module& net, const std::string& scheme);

}  // namespace nabla::recipe
