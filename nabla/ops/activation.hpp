// Activations that are not single elementwise ops (those live in elementwise.hpp: sigmoid,
// tanh, relu, leaky_relu; softmax and log_softmax in reduce.hpp).
#pragma once
#include "nabla/core/tensor.hpp"

namespace nabla {

// Maxout (Goodfellow et al. 2013): dim `dim` of size out*pieces is read as out groups of
// `pieces` consecutive entries and each group is replaced by its maximum; the gradient goes to
// the (first) maximum. Dense form: x (N, out*pieces) -> (N, out), dim = 1. Channel form for
// conv nets: x (N, C*pieces, H, W) -> (N, C, H, W), dim = 1.
Tensor maxout(const Tensor& x, int64_t pieces, int64_t dim = 1);

}  // namespace nabla
