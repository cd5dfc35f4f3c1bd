// Elementwise math with NumPy/PyTorch broadcasting; every op is differentiable.
#pragma once
#include "nabla/core/tensor.hpp"

namespace nabla {

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
// Sums `g` down to `shape` (the reverse of broadcasting), used by backward passes.
Tensor sum_to(const Tensor& g, const Shape& shape);

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor add(const Tensor& a, double b);
Tensor mul(const Tensor& a, double b);
Tensor neg(const Tensor& a);
Tensor exp(const Tensor& a);
Tensor log(const Tensor& a);
Tensor sqrt(const Tensor& a);
Tensor abs(const Tensor& a);
Tensor pow(const Tensor& a, double exponent);
Tensor pow(const Tensor& a, const Tensor& exponent);
// NaN propagates through every op here as in PyTorch (relu(NaN) = NaN, maximum(NaN, 1) = NaN,
// clamp(NaN) = NaN); tests/ops/test_nan_propagation.cpp checks values and gradients against it.
Tensor clamp(const Tensor& a, double lo,
             double hi);  // gradient passes where lo <= a <= hi (not at NaN)
Tensor clamp_min(const Tensor& a, double lo);
// gradient to the larger; a tie splits it in half and a NaN gives it to both (PyTorch's rule)
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor sigmoid(const Tensor& a);
Tensor tanh(const Tensor& a);
Tensor relu(const Tensor& a);
Tensor leaky_relu(const Tensor& a, double slope = 0.01);
Tensor sign(const Tensor& a);  // no gradient

// comparisons give float tensors of 0/1 in a's dtype; no gradient
Tensor eq(const Tensor& a, const Tensor& b);
Tensor ne(const Tensor& a, const Tensor& b);
Tensor lt(const Tensor& a, const Tensor& b);
Tensor le(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, const Tensor& b);
Tensor ge(const Tensor& a, const Tensor& b);
Tensor gt(const Tensor& a, double b);
Tensor lt(const Tensor& a, double b);
// cond != 0 ? a : b, broadcast; gradients flow to the chosen side
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator+(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(const Tensor& a, double b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(const Tensor& a, double b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(const Tensor& a, double b);
Tensor operator/(double a, const Tensor& b);

}  // namespace nabla
