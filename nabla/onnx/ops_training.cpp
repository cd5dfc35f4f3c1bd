// The optimizer steps of the ai.onnx.preview.training domain (opset 1): Adagrad, Adam and
// Momentum (standard and nesterov). Inputs: R (learning rate), T (step count), then N tensors
// each of X, G and the accumulators; outputs the new X's, then the new accumulators, in the
// input order. The formulas are the ONNX operator docs'; tests/optim/test_onnx_optimizers.cpp
// reproduces the same node tests with nabla's optimizers. Forward only: an update step is
// applied to values, never differentiated.
#include <cmath>

#include "nabla/onnx/ops.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

using Outs = std::vector<Tensor>;

// R, T and the `groups` lists of N tensors that follow them; an Error naming the node when the
// count does not split evenly or a tensor's shape differs from its X's.
struct Step {
  double r = 0;
  int64_t t = 0;
  size_t n = 0;
  std::vector<Outs> lists;
};

Step unpack(const OpContext& c, size_t groups) {
  if (c.num_inputs() < 2 + groups || (c.num_inputs() - 2) % groups != 0)
    c.fail("expects R, T and " + std::to_string(groups) + " lists of N tensors, got " +
           std::to_string(c.num_inputs()) + " inputs");
  Step s;
  const Tensor &r = c.input(0), &t = c.input(1);
  if (r.numel() != 1 || t.numel() != 1) c.fail("R and T must be scalars");
  s.r = r.item();
  s.t = static_cast<int64_t>(t.item());
  s.n = (c.num_inputs() - 2) / groups;
  for (size_t g = 0; g < groups; ++g) {
    s.lists.emplace_back();
    for (size_t i = 0; i < s.n; ++i) {
      const Tensor& v = c.input(2 + g * s.n + i);
      if (!is_floating(v.dtype())) c.unsupported("a non-floating tensor");
      if (v.shape() != c.input(2 + i).shape())
        c.fail("input " + std::to_string(2 + g * s.n + i) + " has a shape unlike its X's");
      s.lists.back().push_back(v);
    }
  }
  return s;
}

Outs adagrad_op(const OpContext& c) {
  const Step s = unpack(c, 3);  // X, G, H
  const double decay = c.attr_float("decay_factor", 0), eps = c.attr_float("epsilon", 0);
  const double norm = c.attr_float("norm_coefficient", 0);
  const double r = s.r / (1 + static_cast<double>(s.t) * decay);
  Outs xs, hs;
  for (size_t i = 0; i < s.n; ++i) {
    const Tensor& x = s.lists[0][i];
    const Tensor g = norm * x + s.lists[1][i];
    const Tensor h = s.lists[2][i] + g * g;
    xs.push_back(x - r * g / (sqrt(h) + eps));
    hs.push_back(h);
  }
  xs.insert(xs.end(), hs.begin(), hs.end());
  return xs;
}

Outs momentum_op(const OpContext& c) {
  const Step s = unpack(c, 3);  // X, G, V
  for (const char* a : {"alpha", "beta", "mode", "norm_coefficient"})
    if (!c.has(a)) c.fail(std::string("the attribute '") + a + "' is required");
  const double alpha = c.attr_float("alpha", 0), norm = c.attr_float("norm_coefficient", 0);
  const double beta = s.t > 0 ? c.attr_float("beta", 0) : 1;  // the first step takes all of G
  const std::string mode = c.attr_string("mode", "standard");
  if (mode != "standard" && mode != "nesterov")
    c.fail("mode '" + mode + "' is neither 'standard' nor 'nesterov'");
  Outs xs, vs;
  for (size_t i = 0; i < s.n; ++i) {
    const Tensor& x = s.lists[0][i];
    const Tensor g = norm * x + s.lists[1][i];
    const Tensor v = alpha * s.lists[2][i] + beta * g;
    xs.push_back(mode == "nesterov" ? x - s.r * (g + alpha * v) : x - s.r * v);
    vs.push_back(v);
  }
  xs.insert(xs.end(), vs.begin(), vs.end());
  return xs;
}

Outs adam_op(const OpContext& c) {
  const Step s = unpack(c, 4);  // X, G, V, H
  const double alpha = c.attr_float("alpha", 0.9), beta = c.attr_float("beta", 0.999);
  const double eps = c.attr_float("epsilon", 1e-6), norm = c.attr_float("norm_coefficient", 0);
  const double post = c.attr_float("norm_coefficient_post", 0);
  const double td = static_cast<double>(s.t);
  // No bias correction at T = 0 (the spec's rule), where 1 - alpha^0 would divide by zero.
  const double r =
      s.t > 0 ? s.r * std::sqrt(1 - std::pow(beta, td)) / (1 - std::pow(alpha, td)) : s.r;
  Outs xs, vs, hs;
  for (size_t i = 0; i < s.n; ++i) {
    const Tensor& x = s.lists[0][i];
    const Tensor g = norm * x + s.lists[1][i];
    const Tensor v = alpha * s.lists[2][i] + (1 - alpha) * g;
    const Tensor h = beta * s.lists[3][i] + (1 - beta) * (g * g);
    xs.push_back((1 - post) * (x - r * (v / (sqrt(h) + eps))));
    vs.push_back(v);
    hs.push_back(h);
  }
  xs.insert(xs.end(), vs.begin(), vs.end());
  xs.insert(xs.end(), hs.begin(), hs.end());
  return xs;
}

}  // namespace

const OpTable& training_op_table() {
  static const OpTable table = {
      {"Adagrad", adagrad_op}, {"Adam", adam_op}, {"Momentum", momentum_op}};
  return table;
}

}  // namespace nabla::onnx
