// Activations that are not single elementwise ops (those live in elementwise.hpp: sigmoid,
// tanh, relu, leaky_relu; softmax and log_softmax in reduce.hpp).
#pragma once
#include <string>

#include "nabla/core/tensor.hpp"

namespace nabla {

// Maxout (Goodfellow et al. 2013): dim `dim` of size out*pieces is read as out groups of
// `pieces` consecutive entries and each group is replaced by its maximum; the gradient goes to
// the (first) maximum. Dense form: x (N, out*pieces) -> (N, out), dim = 1. Channel form for
// conv nets: x (N, C*pieces, H, W) -> (N, C, H, W), dim = 1.
Tensor maxout(const Tensor& x, int64_t pieces, int64_t dim = 1);

// GELU (Hendrycks & Gimpel 2016), the activation of BERT and GPT: x * Phi(x), Phi the standard
// normal CDF, i.e. 0.5 x (1 + erf(x / sqrt 2)): ReLU-like for large |x| but smooth, and slightly
// negative for x < 0. Tanh is PyTorch's approximate = "tanh":
// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), within 5e-4 of the exact form.
enum class GeluApproximate { None, Tanh };
const char* gelu_approximate_name(GeluApproximate a);  // "none" | "tanh"
// "none" | "tanh" (PyTorch's names); throws nabla::Error otherwise
GeluApproximate gelu_approximate_from_string(const std::string& s);

// Float tensors of any shape; elementwise, so the gradient is d/dx of the same form.
Tensor gelu(const Tensor& x, GeluApproximate approximate = GeluApproximate::None);

}  // namespace nabla
