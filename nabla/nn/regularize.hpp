// Parameter-norm penalties as differentiable loss terms.
#pragma once
#include <vector>

#include "nabla/core/tensor.hpp"

namespace nabla::nn {

// alpha / 2 * sum_W ||W||^2 over `params`, a scalar that records a graph: adding it to the loss
// makes plain SGD equal SGD with weight_decay = alpha (the gradient of the term is alpha * W).
// Returns a float32/float64 scalar in the first parameter's dtype (0 for no parameters).
Tensor l2_penalty(const std::vector<Tensor>& params, double alpha);

}  // namespace nabla::nn
