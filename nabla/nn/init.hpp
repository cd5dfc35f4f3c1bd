// Weight initialisers (torch.nn.init). All work in place on a tensor handle (outside the
// autograd graph) and return it; random ones draw from `gen`, or nabla::default_generator()
// when null. Fans follow PyTorch: for a weight (out, in, k...), fan_in = in * prod(k) and
// fan_out = out * prod(k).
//
// Why it matters (notes section 7): all-zero weights give every unit the same gradient, so
// symmetry never breaks; Xavier keeps activation variance constant for tanh/sigmoid layers,
// He (Kaiming) does the same for ReLU by doubling the variance.
#pragma once
#include <utility>

#include "nabla/core/random.hpp"
#include "nabla/core/tensor.hpp"
#include "nabla/nn/module.hpp"

namespace nabla::nn::init {

enum class Nonlinearity { Linear, Conv, Sigmoid, Tanh, ReLU, LeakyReLU };
enum class FanMode { FanIn, FanOut };

// linear/conv/sigmoid: 1, tanh: 5/3, relu: sqrt(2), leaky_relu: sqrt(2 / (1 + param^2)).
double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);
// {fan_in, fan_out}; needs a tensor of at least 2 dims (throws nabla::Error otherwise).
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t);

Tensor zeros_(Tensor t);
Tensor ones_(Tensor t);
Tensor constant_(Tensor t, double value);
Tensor uniform_(Tensor t, double a = 0, double b = 1, Generator* gen = nullptr);
Tensor normal_(Tensor t, double mean = 0, double std = 1, Generator* gen = nullptr);
// U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))
Tensor xavier_uniform_(Tensor t, double gain = 1, Generator* gen = nullptr);
// N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))
Tensor xavier_normal_(Tensor t, double gain = 1, Generator* gen = nullptr);
// U(-b, b), b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a)
Tensor kaiming_uniform_(Tensor t, double a = 0, FanMode mode = FanMode::FanIn,
                        Nonlinearity nonlinearity = Nonlinearity::LeakyReLU,
                        Generator* gen = nullptr);
// N(0, std^2), std = gain / sqrt(fan)
Tensor kaiming_normal_(Tensor t, double a = 0, FanMode mode = FanMode::FanIn,
                       Nonlinearity nonlinearity = Nonlinearity::LeakyReLU,
                       Generator* gen = nullptr);

// PyTorch's default init of every Linear, Conv2d and ConvTranspose2d in `net`, drawn from
// PyTorch's own CPU stream after torch.manual_seed(seed) (nabla/core/torch_random.hpp): modules
// in registration order, weight (kaiming_uniform_, a = sqrt(5), fan_in = size(1) * kernel area)
// then bias (U(-1/sqrt(fan_in), 1/sqrt(fan_in))) - the float32 weights PyTorch builds for the
// same architecture, bit for bit. Norm layers keep their constant init; any other layer with
// parameters is an error, since its PyTorch init is not reproduced here.
void pytorch_default_init_(Module& net, uint64_t seed);

}  // namespace nabla::nn::init
