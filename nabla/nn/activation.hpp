// Activation layers. The math is in nabla/ops (elementwise, reduce, activation).
#pragma once
#include "nabla/core/random.hpp"
#include "nabla/nn/linear.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/ops/activation.hpp"

namespace nabla::nn {

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

// max(x, 0) + slope * min(x, 0); keeps a gradient for negative inputs (no dying units).
class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : slope_(negative_slope) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double negative_slope() const { return slope_; }

 private:
  double slope_;
};

// x * Phi(x) (nabla/ops/activation.hpp), torch.nn.GELU; approximate "tanh" for the tanh form.
class GELU : public Module {
 public:
  explicit GELU(GeluApproximate approximate = GeluApproximate::None) : approximate_(approximate) {}
  // "none" | "tanh", as torch.nn.GELU(approximate=...); anything else throws nabla::Error
  explicit GELU(const std::string& approximate);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;  // approximate='none', as PyTorch prints it
  GeluApproximate approximate() const { return approximate_; }

 private:
  GeluApproximate approximate_;
};

class Softmax : public Module {
 public:
  explicit Softmax(int64_t dim) : dim_(dim) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t dim() const { return dim_; }

 private:
  int64_t dim_;
};

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(int64_t dim) : dim_(dim) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t dim() const { return dim_; }

 private:
  int64_t dim_;
};

// Dense maxout unit: Linear(in, out * pieces) then the max over each group of `pieces`
// consecutive outputs. x (..., in) -> (..., out). Parameters: "linear.weight", "linear.bias".
class Maxout : public Module {
 public:
  Maxout(int64_t in_features, int64_t out_features, int64_t pieces, LinearOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Linear& linear() const { return *linear_; }
  int64_t pieces() const { return pieces_; }

 private:
  std::shared_ptr<Linear> linear_;
  int64_t pieces_;
};

// Maxout for conv nets: (N, C*pieces, H, W) -> (N, C, H, W), the max over each group of
// `pieces` consecutive channels (put it after a Conv2d with C*pieces outputs).
class ChannelMaxout : public Module {
 public:
  explicit ChannelMaxout(int64_t pieces) : pieces_(pieces) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t pieces() const { return pieces_; }

 private:
  int64_t pieces_;
};

}  // namespace nabla::nn
