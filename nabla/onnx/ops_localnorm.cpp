// Normalizations over one sample's own statistics: InstanceNormalization (mean and biased
// variance over the spatial dims of each (n, c), then a per-channel scale and bias) and LRN
// (local response normalization across neighbouring channels, AlexNet's). Both are composed of
// nabla's differentiable ops.
#include <algorithm>
#include <cmath>

#include "nabla/onnx/ops.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

using Outs = std::vector<Tensor>;

// (C) -> (1, C, 1, ...) for a rank-`rank` input, checked against the channel count.
Tensor per_channel(const OpContext& c, const Tensor& p, const Tensor& x, const char* what) {
  if (p.dim() != 1 || p.size(0) != x.size(1))
    c.fail(std::string(what) + " must be (C) = (" + std::to_string(x.size(1)) + "), got " +
           shape_str(p.shape()));
  Shape s(static_cast<size_t>(x.dim()), 1);
  s[1] = x.size(1);
  return to_dtype(p, x.dtype()).reshape(s);
}

Outs instance_norm_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  if (!is_floating(x.dtype())) c.unsupported("an integer input");
  if (x.dim() < 3) c.fail("the input must be (N, C, d1, ...), got " + shape_str(x.shape()));
  std::vector<int64_t> spatial;
  for (int64_t d = 2; d < x.dim(); ++d) spatial.push_back(d);
  const double eps = c.attr_float("epsilon", 1e-5);
  const Tensor centered = x - mean(x, spatial, true);
  const Tensor v = mean(centered * centered, spatial, true);
  return {centered / sqrt(v + eps) * per_channel(c, c.input(1), x, "scale") +
          per_channel(c, c.input(2), x, "B")};
}

// y = x / (bias + alpha / size * sum of x^2 over channels [c - floor((size-1)/2),
// c + ceil((size-1)/2)])^beta; the channel window is padded with zeros at both ends.
Outs lrn_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  if (!is_floating(x.dtype())) c.unsupported("an integer input");
  if (x.dim() < 3) c.fail("the input must be (N, C, d1, ...), got " + shape_str(x.shape()));
  const int64_t size = c.attr_int("size", 0);
  if (size <= 0) c.fail("size (required) must be positive");
  const double alpha = c.attr_float("alpha", 1e-4), beta = c.attr_float("beta", 0.75),
               bias = c.attr_float("bias", 1.0);
  const int64_t C = x.size(1);
  // channels past the ends are zeros, so a window wider than 2C + 1 reads nothing more
  const int64_t before = std::min((size - 1) / 2, C),
                after = std::min(size - 1 - (size - 1) / 2, C);
  auto zeros = [&](int64_t n) {
    Shape s = x.shape();
    s[1] = n;
    return Tensor::zeros(s, x.dtype());
  };
  const Tensor sq = cat({zeros(before), x * x, zeros(after)}, 1);
  Tensor window = narrow(sq, 1, 0, C);
  for (int64_t k = 1; k <= before + after; ++k) window = window + narrow(sq, 1, k, C);
  return {x / pow(window * (alpha / static_cast<double>(size)) + bias, beta)};
}

}  // namespace

void add_local_norm_ops(OpTable& t) {
  t["InstanceNormalization"] = instance_norm_op;
  t["LRN"] = lrn_op;
}

}  // namespace nabla::onnx
