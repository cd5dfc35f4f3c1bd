// Pooling layers over nabla/ops/pool.hpp. x: (N, C, H, W).
#pragma once
#include <optional>

#include "nabla/nn/module.hpp"
#include "nabla/ops/size2.hpp"

namespace nabla::nn {

struct MaxPool2dOptions {
  std::optional<Size2> stride = std::nullopt;  // default: the kernel size (as PyTorch)
  Size2 padding = 0;
  Size2 dilation = 1;
  bool ceil_mode = false;
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Size2 kernel_size, MaxPool2dOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Size2 kernel_size() const { return kernel_; }
  const MaxPool2dOptions& options() const { return options_; }  // stride already resolved

 private:
  Size2 kernel_;
  MaxPool2dOptions options_;
};

struct AvgPool2dOptions {
  std::optional<Size2> stride = std::nullopt;  // default: the kernel size
  Size2 padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Size2 kernel_size, AvgPool2dOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Size2 kernel_size() const { return kernel_; }
  const AvgPool2dOptions& options() const { return options_; }

 private:
  Size2 kernel_;
  AvgPool2dOptions options_;
};

// Output (N, C, oh, ow) whatever the input size; cell windows as torch.nn.AdaptiveAvgPool2d.
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Size2 output_size) : output_size_(output_size) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Size2 output_size() const { return output_size_; }

 private:
  Size2 output_size_;
};

class AdaptiveMaxPool2d : public Module {
 public:
  explicit AdaptiveMaxPool2d(Size2 output_size) : output_size_(output_size) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Size2 output_size() const { return output_size_; }

 private:
  Size2 output_size_;
};

}  // namespace nabla::nn
