// Normalisation ops: argument checks, the public functions (fused kernels in norm_fused.cpp)
// and the *_reference versions composed from differentiable primitives (mean, sub, mul, sqrt,
// div), whose backward needs no code of their own. The references are the oracles the fused
// versions are tested against (tests/nn/test_norm.cpp), like kernels/reference for kernels/cpu.
#include "nabla/ops/norm.hpp"

#include <cmath>

#include "nabla/autograd/node.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/norm_fused.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla {
namespace {

std::string shape_or_undefined(const Tensor& t) {
  return t.defined() ? shape_str(t.shape()) : std::string("an undefined tensor");
}

// (1, C, 1, ..., 1) with x.dim() entries: broadcasts a per-channel vector over x (N, C, ...).
Shape channel_shape(const Tensor& x) {
  Shape s(x.dim(), 1);
  s[1] = x.size(1);
  return s;
}

void check_param(const Tensor& t, const Tensor& x, const Shape& shape, const char* op,
                 const char* what) {
  if (!t.defined()) return;
  NABLA_CHECK(t.shape() == shape, op, what, " must have shape ", shape_str(shape), ", got ",
              shape_str(t.shape()));
  NABLA_CHECK(t.dtype() == x.dtype(), op, what, " must have the input's dtype ",
              dtype_name(x.dtype()), ", got ", dtype_name(t.dtype()));
}

void check_input(const Tensor& x, int64_t min_dim, const char* op, const char* expected) {
  NABLA_CHECK(x.defined() && x.dim() >= min_dim, op, "expected input ", expected, ", got ",
              shape_or_undefined(x));
  NABLA_CHECK(is_floating(x.dtype()), op, "expected a floating input, got ", dtype_name(x.dtype()));
}

void check_running(const Tensor& rm, const Tensor& rv, int64_t c, const char* op) {
  NABLA_CHECK(rm.defined() == rv.defined(), op,
              "running_mean and running_var must both be given or both be undefined");
  for (const Tensor* t : {&rm, &rv}) {
    NABLA_CHECK(!t->defined() || (t->dim() == 1 && t->size(0) == c && is_floating(t->dtype())), op,
                "running statistics must be floating with shape [", c, "], got ",
                shape_str(t->shape()));
  }
}

void check_batch_norm(const Tensor& x, const Tensor& rm, const Tensor& rv, const Tensor& w,
                      const Tensor& b, bool training) {
  constexpr const char* op = "batch_norm";
  check_input(x, 2, op, "(N, C) or (N, C, ...)");
  const int64_t c = x.size(1);
  check_param(w, x, {c}, op, "weight");
  check_param(b, x, {c}, op, "bias");
  check_running(rm, rv, c, op);
  if (training) {
    NABLA_CHECK(x.numel() / std::max<int64_t>(c, 1) > 1, op,
                "expected more than 1 value per channel when training, got input ",
                shape_str(x.shape()), " (use a batch of at least 2, or eval mode)");
  } else {
    NABLA_CHECK(rm.defined(), op,
                "eval mode needs running statistics; without them pass training = true");
  }
}

void check_layer_norm(const Tensor& x, const Shape& ns, const Tensor& w, const Tensor& b) {
  constexpr const char* op = "layer_norm";
  const int64_t k = static_cast<int64_t>(ns.size());
  NABLA_CHECK(k >= 1, op, "normalized_shape must have at least one dim");
  bool ok = x.defined() && x.dim() >= k;
  for (int64_t i = 0; ok && i < k; ++i) ok = x.shape()[x.dim() - k + i] == ns[i];
  NABLA_CHECK(ok, op, "the input's last dims must equal normalized_shape ", shape_str(ns),
              ", got input ", shape_or_undefined(x));
  check_input(x, k, op, "(..., normalized_shape)");
  check_param(w, x, ns, op, "weight");
  check_param(b, x, ns, op, "bias");
}

void check_instance_norm(const Tensor& x, const Tensor& rm, const Tensor& rv, const Tensor& w,
                         const Tensor& b, bool use_input_stats) {
  constexpr const char* op = "instance_norm";
  check_input(x, 3, op, "(N, C, L) or (N, C, H, W)");
  const int64_t c = x.size(1);
  check_param(w, x, {c}, op, "weight");
  check_param(b, x, {c}, op, "bias");
  check_running(rm, rv, c, op);
  if (use_input_stats) {
    NABLA_CHECK(x.numel() == 0 || x.numel() / (x.size(0) * c) > 1, op,
                "expected more than 1 spatial element per channel, got input ",
                shape_str(x.shape()));
  } else {
    NABLA_CHECK(rm.defined(), op,
                "using running statistics (eval with track_running_stats) needs them defined");
  }
}

void check_group_norm(const Tensor& x, int64_t num_groups, const Tensor& w, const Tensor& b) {
  constexpr const char* op = "group_norm";
  check_input(x, 2, op, "(N, C, ...)");
  const int64_t c = x.size(1);
  NABLA_CHECK(num_groups >= 1 && c % num_groups == 0, op, "num_groups (", num_groups,
              ") must divide the number of channels (", c, ")");
  check_param(w, x, {c}, op, "weight");
  check_param(b, x, {c}, op, "bias");
  NABLA_CHECK(x.size(0) == 0 || x.numel() / x.size(0) / num_groups > 1, op,
              "each group needs more than one value, got input ", shape_str(x.shape()), " with ",
              num_groups, " groups");
}

// ---- composite building blocks of the references ----

// (x - mean) / sqrt(var + eps) with the biased variance over `dims`; mean and var (keepdim)
// are returned through the pointers for the running-statistics update.
Tensor normalize(const Tensor& x, const std::vector<int64_t>& dims, double eps, Tensor* mean_out,
                 Tensor* var_out) {
  Tensor mu = mean(x, dims, true);
  Tensor xc = x - mu;
  Tensor v = mean(xc * xc, dims, true);
  if (mean_out) *mean_out = mu;
  if (var_out) *var_out = v;
  return xc / sqrt(v + eps);
}

Tensor affine(Tensor y, const Tensor& weight, const Tensor& bias, const Shape& param_shape) {
  if (weight.defined()) y = y * reshape(weight, param_shape);
  if (bias.defined()) y = y + reshape(bias, param_shape);
  return y;
}

// running = (1 - momentum) running + momentum stat, in place and outside the graph.
void update_running(const Tensor& running, const Tensor& stat, double momentum) {
  autograd::NoGradGuard guard;
  Tensor r = running;
  Tensor s = to_dtype(stat.detach(), running.dtype()).reshape(running.shape());
  r.mul_(1.0 - momentum);
  r.add_(s, momentum);
}

Tensor with_running_stats(const Tensor& x, const Tensor& rm, const Tensor& rv, const Tensor& w,
                          const Tensor& b, double eps) {
  const Shape ps = channel_shape(x);
  Tensor m = reshape(to_dtype(rm, x.dtype()), ps);
  Tensor v = reshape(to_dtype(rv, x.dtype()), ps);
  return affine((x - m) / sqrt(v + eps), w, b, ps);
}

int64_t spatial_size(const Tensor& x) {
  int64_t s = 1;
  for (int64_t d = 2; d < x.dim(); ++d) s *= x.size(d);
  return s;
}

}  // namespace

// ---- public (fused) ----

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double eps) {
  check_batch_norm(x, running_mean, running_var, weight, bias, training);
  return detail::batch_norm_fused(x, running_mean, running_var, weight, bias, training, momentum,
                                  eps);
}

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  check_layer_norm(x, normalized_shape, weight, bias);
  const int64_t len = shape_numel(normalized_shape);
  return detail::row_norm_fused("layer_norm", x, len == 0 ? 0 : x.numel() / len, len, 1, 1, weight,
                                bias, eps);
}

Tensor instance_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                     const Tensor& weight, const Tensor& bias, bool use_input_stats,
                     double momentum, double eps) {
  check_instance_norm(x, running_mean, running_var, weight, bias, use_input_stats);
  if (!use_input_stats) {
    // Per-channel running statistics: exactly batch norm in eval mode.
    return detail::batch_norm_fused(x, running_mean, running_var, weight, bias, false, momentum,
                                    eps);
  }
  const int64_t n = x.size(0), c = x.size(1), s = spatial_size(x);
  std::vector<double> mean, var;
  Tensor y =
      detail::row_norm_fused("instance_norm", x, n * c, s, c, s, weight, bias, eps, &mean, &var);
  if (running_mean.defined() && n > 0) {
    // PyTorch folds the batch into channels and averages the per-instance updates back, i.e.
    // the running stats move towards the batch mean of the instance statistics.
    std::vector<double> bm(c, 0.0), bv(c, 0.0);
    const double unbias = static_cast<double>(s) / (s - 1);
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t ch = 0; ch < c; ++ch) {
        bm[ch] += mean[i * c + ch] / n;
        bv[ch] += var[i * c + ch] * unbias / n;
      }
    }
    update_running(running_mean, Tensor::from_vector(bm, {c}), momentum);
    update_running(running_var, Tensor::from_vector(bv, {c}), momentum);
  }
  return y;
}

Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias,
                  double eps) {
  check_group_norm(x, num_groups, weight, bias);
  const int64_t n = x.size(0), c = x.size(1), s = spatial_size(x);
  return detail::row_norm_fused("group_norm", x, n * num_groups, c / num_groups * s, num_groups, s,
                                weight, bias, eps);
}

// ---- references (composite) ----

Tensor batch_norm_reference(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                            const Tensor& weight, const Tensor& bias, bool training,
                            double momentum, double eps) {
  check_batch_norm(x, running_mean, running_var, weight, bias, training);
  if (!training) return with_running_stats(x, running_mean, running_var, weight, bias, eps);
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  const int64_t n = x.numel() / x.size(1);
  Tensor mu, v;
  Tensor y = normalize(x, dims, eps, &mu, &v);
  if (running_mean.defined()) {
    update_running(running_mean, mu, momentum);
    // The running variance is the unbiased estimate, as PyTorch keeps it.
    update_running(running_var, v.detach() * (static_cast<double>(n) / (n - 1)), momentum);
  }
  return affine(y, weight, bias, channel_shape(x));
}

Tensor layer_norm_reference(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                            const Tensor& bias, double eps) {
  check_layer_norm(x, normalized_shape, weight, bias);
  std::vector<int64_t> dims;
  for (int64_t d = x.dim() - static_cast<int64_t>(normalized_shape.size()); d < x.dim(); ++d) {
    dims.push_back(d);
  }
  Tensor y = normalize(x, dims, eps, nullptr, nullptr);
  // weight/bias of shape normalized_shape broadcast from the right.
  if (weight.defined()) y = y * weight;
  if (bias.defined()) y = y + bias;
  return y;
}

Tensor instance_norm_reference(const Tensor& x, const Tensor& running_mean,
                               const Tensor& running_var, const Tensor& weight, const Tensor& bias,
                               bool use_input_stats, double momentum, double eps) {
  check_instance_norm(x, running_mean, running_var, weight, bias, use_input_stats);
  if (!use_input_stats) return with_running_stats(x, running_mean, running_var, weight, bias, eps);
  std::vector<int64_t> dims;
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  const int64_t n = spatial_size(x);
  Tensor mu, v;
  Tensor y = normalize(x, dims, eps, &mu, &v);
  if (running_mean.defined()) {
    autograd::NoGradGuard guard;
    std::vector<int64_t> batch_and_spatial{0};
    for (int64_t d = 2; d < x.dim(); ++d) batch_and_spatial.push_back(d);
    update_running(running_mean, mean(mu.detach(), batch_and_spatial), momentum);
    update_running(running_var,
                   mean(v.detach(), batch_and_spatial) * (static_cast<double>(n) / (n - 1)),
                   momentum);
  }
  return affine(y, weight, bias, channel_shape(x));
}

Tensor group_norm_reference(const Tensor& x, int64_t num_groups, const Tensor& weight,
                            const Tensor& bias, double eps) {
  check_group_norm(x, num_groups, weight, bias);
  Tensor xr = reshape(x, {x.size(0), num_groups, -1});
  Tensor y = reshape(normalize(xr, {2}, eps, nullptr, nullptr), x.shape());
  return affine(y, weight, bias, channel_shape(x));
}

}  // namespace nabla
