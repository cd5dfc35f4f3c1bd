// Activations nabla composes from its differentiable elementwise ops: PRelu (a learned slope,
// broadcast to the input as NumPy broadcasting does from opset 7), Selu and Softplus.
#include <limits>

#include "nabla/onnx/ops.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

using Outs = std::vector<Tensor>;

const Tensor& float_input(const OpContext& c, size_t i) {
  const Tensor& x = c.input(i);
  if (!is_floating(x.dtype())) c.unsupported("an integer input");
  return x;
}

// max(0, x) + slope * min(0, x): the gradient reaches both x and the slope.
Outs prelu_op(const OpContext& c) {
  const Tensor& x = float_input(c, 0);
  Tensor slope = c.input(1);
  if (slope.dtype() != x.dtype()) slope = to_dtype(slope, x.dtype());
  const Tensor zero = Tensor::zeros({}, x.dtype());
  return {relu(x) + slope * minimum(x, zero)};
}

// gamma * (x > 0 ? x : alpha * (e^x - 1)), the spec's float constants as defaults.
Outs selu_op(const OpContext& c) {
  const Tensor& x = float_input(c, 0);
  const double alpha = c.attr_float("alpha", 1.67326319217681884765625);
  const double gamma = c.attr_float("gamma", 1.05070102214813232421875);
  const Tensor zero = Tensor::zeros({}, x.dtype());
  return {(relu(x) + (exp(minimum(x, zero)) - 1.0) * alpha) * gamma};
}

// log(1 + e^x) as max(x, 0) + log(1 + e^-|x|): no overflow for large x.
Outs softplus_op(const OpContext& c) {
  const Tensor& x = float_input(c, 0);
  return {relu(x) + log(exp(-abs(x)) + 1.0)};
}

}  // namespace

void add_activation_ops(OpTable& t) {
  t["PRelu"] = prelu_op;
  t["Selu"] = selu_op;
  t["Softplus"] = softplus_op;
}

}  // namespace nabla::onnx
