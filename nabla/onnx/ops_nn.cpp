// BatchNormalization, LayerNormalization, Gemm, MatMul, the global pools and Dropout.
#include <random>

#include "nabla/onnx/ops.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

// Per-channel (C) parameter as (1, C, 1, ...) for a rank-`rank` input.
Tensor per_channel(const Tensor& p, int64_t rank) {
  Shape s(rank, 1);
  s[1] = -1;
  return p.reshape(s);
}

// training_mode 1 (opset 14+): Y normalised by the batch's mean and biased variance over every
// dim but C, plus the running statistics moved toward them: mean * momentum + batch * (1 -
// momentum), as ONNX's reference.
std::vector<Tensor> batch_norm_training(const OpContext& c) {
  const Tensor& x = c.input(0);
  const int64_t r = x.dim();
  const double eps = c.attr_float("epsilon", 1e-5), m = c.attr_float("momentum", 0.9);
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < r; ++d) dims.push_back(d);
  const Tensor mu = mean(x, dims, true), v = var(x, dims, false, true);
  const Tensor y =
      (x - mu) / sqrt(v + eps) * per_channel(c.input(1), r) + per_channel(c.input(2), r);
  const Shape cs = c.input(3).shape();
  return {y, c.input(3) * m + mu.reshape(cs) * (1 - m), c.input(4) * m + v.reshape(cs) * (1 - m)};
}

std::vector<Tensor> batch_norm_op(const OpContext& c) {
  if (c.attr_int("training_mode", 0) != 0) {
    if (c.input(0).dim() < 2) c.fail("input must have a channel dim (N, C, ...)");
    return batch_norm_training(c);
  }
  if (c.opset() < 9 && c.attr_int("spatial", 1) != 1) c.unsupported("spatial 0");
  const Tensor& x = c.input(0);
  if (x.dim() < 2) c.fail("input must have a channel dim (N, C, ...), got " + shape_str(x.shape()));
  const double eps = c.attr_float("epsilon", 1e-5);
  const Tensor &scale = c.input(1), &bias = c.input(2), &mean = c.input(3), &var = c.input(4);
  if (x.dim() <= 4)  // the fused kernel; other ranks: the same formula from primitives
    return {batch_norm(x, mean, var, scale, bias, false, 0.1, eps)};
  const int64_t r = x.dim();
  const Tensor inv = 1.0 / sqrt(per_channel(var, r) + eps);
  return {(x - per_channel(mean, r)) * inv * per_channel(scale, r) + per_channel(bias, r)};
}

// Over the dims from `axis` on; the optional Mean and InvStdDev outputs keep those dims as 1.
std::vector<Tensor> layer_norm_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  if (!is_floating(x.dtype())) c.unsupported("an integer input");
  const int64_t axis = wrap_axis(c, c.attr_int("axis", -1), x.dim());
  std::vector<int64_t> dims;
  for (int64_t d = axis; d < x.dim(); ++d) dims.push_back(d);
  const Tensor mu = mean(x, dims, true);
  const Tensor inv = 1.0 / sqrt(var(x, dims, false, true) + c.attr_float("epsilon", 1e-5));
  Tensor y = (x - mu) * inv * c.input(1);
  if (c.has_input(2)) y = y + c.input(2);
  return {y, mu, inv};
}

// Y = alpha A' B' + beta C; the common Linear form (B transposed, C a bias) is one GEMM.
std::vector<Tensor> gemm(const OpContext& c) {
  const Tensor &a = c.input(0), &b = c.input(1);
  if (a.dim() != 2 || b.dim() != 2)
    c.fail("A and B must be matrices, got " + shape_str(a.shape()) + " and " +
           shape_str(b.shape()));
  const double alpha = c.attr_float("alpha", 1.0), beta = c.attr_float("beta", 1.0);
  const bool ta = c.attr_int("transA", 0) != 0, tb = c.attr_int("transB", 0) != 0;
  const Tensor bias = c.has_input(2) ? c.input(2) : Tensor();
  if (!ta && tb && alpha == 1.0 &&
      (!bias.defined() || (beta == 1.0 && bias.dim() == 1 && bias.size(0) == b.size(0))))
    return {linear(a, b, bias)};
  Tensor y = matmul(ta ? a.t() : a, tb ? b.t() : b);
  if (alpha != 1.0) y = y * alpha;
  if (bias.defined()) y = y + (beta == 1.0 ? bias : bias * beta);
  return {y};
}

std::vector<Tensor> global_pool(const OpContext& c, bool is_max) {
  Tensor x = c.input(0);
  if (x.dim() < 3) c.fail("input must be (N, C, spatial...), got " + shape_str(x.shape()));
  if (x.dim() == 4) return {is_max ? global_max_pool2d(x) : global_avg_pool2d(x)};
  std::vector<int64_t> dims;
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  if (!is_max) return {mean(x, dims, true)};
  for (int64_t d : dims) x = max(x, d, true);
  return {x};
}

// Training: keep where uniform[0,1) >= ratio, scaled by 1/(1-ratio). The uniforms are numpy's
// legacy RandomState(seed).uniform (MT19937, 53-bit doubles from two draws), as ONNX's reference
// draws them, so a model's `seed` attribute gives the reference's mask; without one, a random seed.
Tensor dropout_keep(const OpContext& c, const Shape& shape, double ratio) {
  const int64_t seed = c.has("seed") ? c.attr_int("seed", 0) : std::random_device{}();
  std::mt19937 gen(static_cast<uint32_t>(seed));
  std::vector<double> keep(static_cast<size_t>(shape_numel(shape)));
  for (double& k : keep) {
    const double a = gen() >> 5, b = gen() >> 6;
    k = (a * 67108864.0 + b) / 9007199254740992.0 >= ratio ? 1.0 : 0.0;
  }
  return Tensor::from_vector(keep, shape);
}

// Inference (or ratio 0): the identity; the optional mask output is all true (int64 ones).
std::vector<Tensor> dropout(const OpContext& c) {
  const Tensor& x = c.input(0);
  const bool training = c.opset() >= 12 && c.has_input(2) && c.input(2).item() != 0;
  const double ratio =
      c.opset() >= 12 ? (c.has_input(1) ? c.input(1).item() : 0.5) : c.attr_float("ratio", 0.5);
  const bool want_mask = c.node().output_size() > 1 && !c.node().output(1).empty();
  if (!training || ratio == 0) {
    std::vector<Tensor> out{x};
    if (want_mask) out.push_back(Tensor::ones(x.shape(), DType::Int64));
    return out;
  }
  if (!is_floating(x.dtype())) c.unsupported("an integer input");
  if (ratio < 0 || ratio >= 1) c.fail("ratio must be in [0, 1), got " + std::to_string(ratio));
  const Tensor keep = dropout_keep(c, x.shape(), ratio);
  std::vector<Tensor> out{x * to_dtype(keep, x.dtype()) * (1.0 / (1.0 - ratio))};
  if (want_mask) out.push_back(to_dtype(keep, DType::Int64));
  return out;
}

}  // namespace

void add_nn_ops(OpTable& t) {
  t["BatchNormalization"] = batch_norm_op;
  t["LayerNormalization"] = layer_norm_op;
  t["Gemm"] = gemm;
  t["MatMul"] = [](const OpContext& c) {
    return std::vector<Tensor>{matmul(c.input(0), c.input(1))};
  };
  t["GlobalAveragePool"] = [](const OpContext& c) { return global_pool(c, false); };
  t["GlobalMaxPool"] = [](const OpContext& c) { return global_pool(c, true); };
  t["Dropout"] = dropout;
}

}  // namespace nabla::onnx
