// Convolution layers over nabla/ops/conv.hpp. Weights are (out, in/groups, KH, KW) for Conv2d
// and (in, out/groups, KH, KW) for ConvTranspose2d, as in PyTorch, so state dicts map 1:1.
#pragma once
#include "nabla/core/random.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/nn/size2.hpp"
#include "nabla/ops/conv.hpp"

namespace nabla::nn {

struct Conv2dOptions {
  Size2 stride = 1;
  // 2, {ph, pw} or {top, bottom, left, right} (zero padding; asymmetric is beyond PyTorch)
  Conv2dPadding padding = 0;
  Size2 dilation = 1;
  int64_t groups = 1;
  bool bias = true;
};

// x (N, in, H, W) -> (N, out, OH, OW), OH = (H + 2P - D(K-1) - 1)/S + 1.
// Default init as torch.nn.Conv2d: kaiming_uniform_(a = sqrt(5)), bias U(+-1/sqrt(fan_in)).
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, Conv2dOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters(Generator* gen = nullptr);
  int64_t in_channels() const { return in_; }
  int64_t out_channels() const { return out_; }
  Size2 kernel_size() const { return kernel_; }
  const Conv2dOptions& options() const { return options_; }

  Tensor weight;
  Tensor bias;

 private:
  int64_t in_, out_;
  Size2 kernel_;
  Conv2dOptions options_;
};

struct ConvTranspose2dOptions {
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 output_padding = 0;
  Size2 dilation = 1;
  int64_t groups = 1;
  bool bias = true;
};

// The adjoint of Conv2d ("deconvolution"): x (N, in, H, W) -> (N, out, OH, OW),
// OH = (H - 1) S - 2P + D(K-1) + output_padding + 1. Default init as PyTorch (whose fan_in
// comes from the weight's dim 1, i.e. out/groups * KH * KW).
class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size,
                  ConvTranspose2dOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters(Generator* gen = nullptr);
  int64_t in_channels() const { return in_; }
  int64_t out_channels() const { return out_; }
  Size2 kernel_size() const { return kernel_; }
  const ConvTranspose2dOptions& options() const { return options_; }

  Tensor weight;
  Tensor bias;

 private:
  int64_t in_, out_;
  Size2 kernel_;
  ConvTranspose2dOptions options_;
};

}  // namespace nabla::nn
