// Convolution layers over nabla/ops/conv.hpp. Weights are (out, in/groups, KL) for Conv1d,
// (out, in/groups, KH, KW) for Conv2d and (in, out/groups, KH, KW) for ConvTranspose2d, as in
// PyTorch, so state dicts map 1:1.
#pragma once
#include <string>

#include "nabla/core/random.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/ops/conv.hpp"
#include "nabla/ops/pad.hpp"
#include "nabla/ops/size2.hpp"

namespace nabla::nn {

// What the padding rows hold, as PyTorch's padding_mode: zeros, or the input's own values
// mirrored (reflect: padding < input size), repeated from the edge (replicate) or wrapped
// around (circular: padding <= input size). See nabla/ops/pad.hpp for pictures.
enum class PaddingMode { Zeros, Reflect, Replicate, Circular };

const char* padding_mode_name(PaddingMode mode);  // "zeros", "reflect", "replicate", "circular"
// The mode for one of those names, or a nabla::Error listing them (for configs).
PaddingMode padding_mode_from_name(const std::string& name);

struct Conv2dOptions {
  Size2 stride = 1;
  // 2, {ph, pw}, {top, bottom, left, right} (asymmetric is beyond PyTorch) or kPaddingSame
  // (stride 1 only; the odd row/column at the bottom/right, as PyTorch)
  Conv2dPadding padding = 0;
  Size2 dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  PaddingMode padding_mode = PaddingMode::Zeros;
};

// x (N, in, H, W) -> (N, out, OH, OW), OH = (H + 2P - D(K-1) - 1)/S + 1.
// Default init as torch.nn.Conv2d: kaiming_uniform_(a = sqrt(5)), bias U(+-1/sqrt(fan_in)).
// A padding mode other than zeros pads the input first (nabla::pad), then convolves unpadded,
// exactly what torch.nn.Conv2d does.
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
  Conv2dPadding pads_;  // options_.padding with "same" resolved
};

// One number, or kPaddingSame (stride 1 only; an odd total puts the extra element on the right).
struct Conv1dPadding {
  int64_t value = 0;  // both ends
  bool same = false;
  constexpr Conv1dPadding() = default;
  constexpr Conv1dPadding(int64_t v) : value(v) {}      // NOLINT: implicit on purpose
  constexpr Conv1dPadding(PaddingSame) : same(true) {}  // NOLINT
  friend bool operator==(const Conv1dPadding&, const Conv1dPadding&) = default;
};

struct Conv1dOptions {
  int64_t stride = 1;
  Conv1dPadding padding = 0;
  int64_t dilation = 1;
  int64_t groups = 1;
  bool bias = true;
  PaddingMode padding_mode = PaddingMode::Zeros;
};

// x (N, in, L) or (in, L) -> (N, out, OL), OL = (L + 2P - D(K-1) - 1)/S + 1; as torch.nn.Conv1d
// (same init, same padding modes).
class Conv1d : public Module {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
         Conv1dOptions options = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  void reset_parameters(Generator* gen = nullptr);
  int64_t in_channels() const { return in_; }
  int64_t out_channels() const { return out_; }
  int64_t kernel_size() const { return kernel_; }
  const Conv1dOptions& options() const { return options_; }

  Tensor weight;
  Tensor bias;

 private:
  int64_t in_, out_, kernel_;
  Conv1dOptions options_;
  int64_t pad_left_ = 0, pad_right_ = 0;  // options_.padding with "same" resolved
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
