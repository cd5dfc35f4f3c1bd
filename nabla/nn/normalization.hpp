// Normalisation layers over nabla/ops/norm.hpp. Parameter and buffer names follow PyTorch
// ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"), so state dicts
// exchanged with PyTorch line up.
#pragma once
#include <optional>

#include "nabla/nn/module.hpp"

namespace nabla::nn {

struct BatchNormOptions {
  double eps = 1e-5;
  // std::nullopt is PyTorch's momentum=None: the running statistics become the plain average of
  // every batch seen so far (weight 1/num_batches_tracked for the newest one).
  std::optional<double> momentum = 0.1;
  bool affine = true;               // learnable weight (ones) and bias (zeros)
  bool track_running_stats = true;  // keep running mean/var for eval
};

// Training: normalises with the batch statistics per channel and updates running_mean and the
// UNBIASED running_var with `momentum` (or the cumulative average when it is nullopt); eval: uses
// the running statistics.
class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_running_stats();
  void reset_parameters();
  int64_t num_features() const { return num_features_; }
  const BatchNormOptions& options() const { return options_; }

  Tensor weight, bias;               // (C), undefined without affine
  Tensor running_mean, running_var;  // (C), undefined without track_running_stats
  Tensor num_batches_tracked;        // int64 scalar

 protected:
  BatchNorm(int64_t num_features, BatchNormOptions options, int64_t min_dim, int64_t max_dim);

 private:
  int64_t num_features_;
  BatchNormOptions options_;
  int64_t min_dim_, max_dim_;  // accepted input ranks
};

// x: (N, C) or (N, C, L).
class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, BatchNormOptions options = {})
      : BatchNorm(num_features, options, 2, 3) {}
};

// x: (N, C, H, W).
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, BatchNormOptions options = {})
      : BatchNorm(num_features, options, 4, 4) {}
};

struct LayerNormOptions {
  double eps = 1e-5;
  bool elementwise_affine = true;
};

// Normalises over the last dims, which must equal normalized_shape (e.g. {C, H, W} or {D}).
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, LayerNormOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters();
  const Shape& normalized_shape() const { return shape_; }
  const LayerNormOptions& options() const { return options_; }

  Tensor weight, bias;  // normalized_shape, undefined without elementwise_affine

 private:
  Shape shape_;
  LayerNormOptions options_;
};

// PyTorch's defaults: no affine part and no running statistics.
struct InstanceNormOptions {
  double eps = 1e-5;
  double momentum = 0.1;
  bool affine = false;
  bool track_running_stats = false;
};

// Normalises each (n, c) plane of x: (N, C, H, W) (or (C, H, W), treated as N = 1) over H, W.
// With track_running_stats, eval uses the running statistics (averaged over the batch).
class InstanceNorm2d : public Module {
 public:
  explicit InstanceNorm2d(int64_t num_features, InstanceNormOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t num_features() const { return num_features_; }
  const InstanceNormOptions& options() const { return options_; }

  Tensor weight, bias;
  Tensor running_mean, running_var;
  Tensor num_batches_tracked;

 private:
  int64_t num_features_;
  InstanceNormOptions options_;
};

struct GroupNormOptions {
  double eps = 1e-5;
  bool affine = true;
};

// Normalises each group of num_channels/num_groups channels of x: (N, C, ...) per sample; same
// in training and eval (no running statistics).
class GroupNorm : public Module {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, GroupNormOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t num_groups() const { return num_groups_; }
  int64_t num_channels() const { return num_channels_; }
  const GroupNormOptions& options() const { return options_; }

  Tensor weight, bias;  // (C)

 private:
  int64_t num_groups_, num_channels_;
  GroupNormOptions options_;
};

}  // namespace nabla::nn
