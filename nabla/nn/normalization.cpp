#include "nabla/nn/normalization.hpp"

#include <sstream>

#include "nabla/autograd/node.hpp"
#include "nabla/nn/init.hpp"
#include "nabla/ops/norm.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla::nn {

namespace {
std::string fmt(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
const char* yes_no(bool b) { return b ? "true" : "false"; }

void count_batch(Tensor counter) {
  if (!counter.defined()) return;
  autograd::NoGradGuard guard;
  counter.fill_(counter.item() + 1);
}
}  // namespace

// ---- BatchNorm ----

BatchNorm::BatchNorm(int64_t num_features, BatchNormOptions options, int64_t min_dim,
                     int64_t max_dim)
    : num_features_(num_features), options_(options), min_dim_(min_dim), max_dim_(max_dim) {
  NABLA_CHECK(num_features > 0, "BatchNorm", "num_features must be positive, got ", num_features);
  NABLA_CHECK(!options.momentum || (*options.momentum >= 0 && *options.momentum <= 1), "BatchNorm",
              "momentum must be in [0, 1], got ", options.momentum.value_or(0),
              " (std::nullopt gives the cumulative average)");
  if (options.affine) {
    weight = register_parameter("weight", Tensor::empty({num_features}));
    bias = register_parameter("bias", Tensor::empty({num_features}));
  }
  if (options.track_running_stats) {
    running_mean = register_buffer("running_mean", Tensor::zeros({num_features}));
    running_var = register_buffer("running_var", Tensor::ones({num_features}));
    num_batches_tracked = register_buffer("num_batches_tracked", Tensor::zeros({}, DType::Int64));
  }
  reset_parameters();
}

void BatchNorm::reset_running_stats() {
  if (!options_.track_running_stats) return;
  autograd::NoGradGuard guard;
  running_mean.fill_(0);
  running_var.fill_(1);
  num_batches_tracked.fill_(0);
}

void BatchNorm::reset_parameters() {
  reset_running_stats();
  if (options_.affine) {
    init::ones_(weight);
    init::zeros_(bias);
  }
}

Tensor BatchNorm::forward(const Tensor& x) {
  const std::string name = type_name();
  NABLA_CHECK(x.defined() && x.dim() >= min_dim_ && x.dim() <= max_dim_, name.c_str(),
              "expected input with ", min_dim_, min_dim_ == max_dim_ ? "" : " or ",
              min_dim_ == max_dim_ ? "" : std::to_string(max_dim_), " dims (N, C",
              min_dim_ == 4   ? ", H, W"
              : max_dim_ == 3 ? "[, L]"
                              : "",
              "), got ", x.defined() ? shape_str(x.shape()) : std::string("an undefined tensor"));
  NABLA_CHECK(x.size(1) == num_features_, name.c_str(), "expected ", num_features_,
              " channels (dim 1), got input ", shape_str(x.shape()));
  // Batch statistics in training, and always when no running statistics are kept.
  const bool use_batch_stats = is_training() || !options_.track_running_stats;
  if (is_training()) count_batch(num_batches_tracked);
  double factor = options_.momentum.value_or(0);
  // momentum None: the n-th batch enters with weight 1/n, which keeps an exact running average
  if (!options_.momentum && is_training() && num_batches_tracked.defined())
    factor = 1.0 / num_batches_tracked.item();
  return batch_norm(x, running_mean, running_var, weight, bias, use_batch_stats, factor,
                    options_.eps);
}

std::string BatchNorm::extra_repr() const {
  return std::to_string(num_features_) + ", eps=" + fmt(options_.eps) +
         ", momentum=" + (options_.momentum ? fmt(*options_.momentum) : std::string("None")) +
         ", affine=" + yes_no(options_.affine) +
         ", track_running_stats=" + yes_no(options_.track_running_stats);
}

// ---- LayerNorm ----

LayerNorm::LayerNorm(Shape normalized_shape, LayerNormOptions options)
    : shape_(std::move(normalized_shape)), options_(options) {
  NABLA_CHECK(!shape_.empty(), "LayerNorm", "normalized_shape must have at least one dim");
  if (options.elementwise_affine) {
    weight = register_parameter("weight", Tensor::empty(shape_));
    bias = register_parameter("bias", Tensor::empty(shape_));
  }
  reset_parameters();
}

void LayerNorm::reset_parameters() {
  if (!options_.elementwise_affine) return;
  init::ones_(weight);
  init::zeros_(bias);
}

Tensor LayerNorm::forward(const Tensor& x) {
  return layer_norm(x, shape_, weight, bias, options_.eps);
}

std::string LayerNorm::extra_repr() const {
  return shape_str(shape_) + ", eps=" + fmt(options_.eps) +
         ", elementwise_affine=" + yes_no(options_.elementwise_affine);
}

// ---- InstanceNorm2d ----

InstanceNorm2d::InstanceNorm2d(int64_t num_features, InstanceNormOptions options)
    : num_features_(num_features), options_(options) {
  NABLA_CHECK(num_features > 0, "InstanceNorm2d", "num_features must be positive, got ",
              num_features);
  if (options.affine) {
    weight = register_parameter("weight", Tensor::ones({num_features}));
    bias = register_parameter("bias", Tensor::zeros({num_features}));
  }
  if (options.track_running_stats) {
    running_mean = register_buffer("running_mean", Tensor::zeros({num_features}));
    running_var = register_buffer("running_var", Tensor::ones({num_features}));
    // Kept for state-dict compatibility with PyTorch, which never increments it here either.
    num_batches_tracked = register_buffer("num_batches_tracked", Tensor::zeros({}, DType::Int64));
  }
}

Tensor InstanceNorm2d::forward(const Tensor& x) {
  NABLA_CHECK(x.defined() && (x.dim() == 3 || x.dim() == 4), "InstanceNorm2d",
              "expected input (N, C, H, W) or (C, H, W), got ",
              x.defined() ? shape_str(x.shape()) : std::string("an undefined tensor"));
  const bool unbatched = x.dim() == 3;
  Tensor x4 = unbatched ? unsqueeze(x, 0) : x;
  NABLA_CHECK(x4.size(1) == num_features_, "InstanceNorm2d", "expected ", num_features_,
              " channels, got input ", shape_str(x.shape()));
  Tensor y = instance_norm(x4, running_mean, running_var, weight, bias,
                           is_training() || !options_.track_running_stats, options_.momentum,
                           options_.eps);
  return unbatched ? squeeze(y, 0) : y;
}

std::string InstanceNorm2d::extra_repr() const {
  return std::to_string(num_features_) + ", eps=" + fmt(options_.eps) +
         ", momentum=" + fmt(options_.momentum) + ", affine=" + yes_no(options_.affine) +
         ", track_running_stats=" + yes_no(options_.track_running_stats);
}

// ---- GroupNorm ----

GroupNorm::GroupNorm(int64_t num_groups, int64_t num_channels, GroupNormOptions options)
    : num_groups_(num_groups), num_channels_(num_channels), options_(options) {
  NABLA_CHECK(num_groups > 0 && num_channels > 0 && num_channels % num_groups == 0, "GroupNorm",
              "num_channels (", num_channels, ") must be a positive multiple of num_groups (",
              num_groups, ")");
  if (options.affine) {
    weight = register_parameter("weight", Tensor::ones({num_channels}));
    bias = register_parameter("bias", Tensor::zeros({num_channels}));
  }
}

Tensor GroupNorm::forward(const Tensor& x) {
  NABLA_CHECK(x.defined() && x.dim() >= 2 && x.size(1) == num_channels_, "GroupNorm",
              "expected input (N, ", num_channels_, ", ...), got ",
              x.defined() ? shape_str(x.shape()) : std::string("an undefined tensor"));
  return group_norm(x, num_groups_, weight, bias, options_.eps);
}

std::string GroupNorm::extra_repr() const {
  return std::to_string(num_groups_) + ", " + std::to_string(num_channels_) +
         ", eps=" + fmt(options_.eps) + ", affine=" + yes_no(options_.affine);
}

}  // namespace nabla::nn
