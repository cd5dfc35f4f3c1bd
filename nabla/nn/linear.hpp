// Dense layer and the shape-only Flatten.
#pragma once
#include "nabla/core/random.hpp"
#include "nabla/nn/module.hpp"

namespace nabla::nn {

struct LinearOptions {
  bool bias = true;
};

// y = x W^T + b. x: (..., in) -> (..., out). weight (out, in), bias (out).
// Default init as torch.nn.Linear: kaiming_uniform_(a = sqrt(5)) for the weight, i.e.
// U(-1/sqrt(in), 1/sqrt(in)), and the same bound for the bias.
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, LinearOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters(Generator* gen = nullptr);
  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }

  Tensor weight;
  Tensor bias;  // undefined when options.bias is false

 private:
  int64_t in_, out_;
};

// Flattens dims start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) with the defaults.
class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1)
      : start_dim_(start_dim), end_dim_(end_dim) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t start_dim() const { return start_dim_; }
  int64_t end_dim() const { return end_dim_; }

 private:
  int64_t start_dim_, end_dim_;
};

}  // namespace nabla::nn
