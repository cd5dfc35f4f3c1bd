#include "nabla/nn/conv.hpp"

#include <cmath>

#include "nabla/nn/init.hpp"
#include "nabla/ops/pad.hpp"

namespace nabla::nn {

namespace {
// PyTorch's _ConvNd.reset_parameters: kaiming_uniform_(a = sqrt(5)) on the weight, and the bias
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in computed from the weight's dims 1.. .
void reset_conv(const Tensor& weight, const Tensor& bias, Generator* gen) {
  init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::FanIn,
                         init::Nonlinearity::LeakyReLU, gen);
  if (bias.defined()) {
    const int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
    init::uniform_(bias, -bound, bound, gen);
  }
}

void check_conv_args(const char* op, int64_t in, int64_t out, Size2 k, Size2 stride, Size2 dilation,
                     int64_t groups) {
  NABLA_CHECK(in > 0 && out > 0, op, "channel counts must be positive, got in = ", in,
              ", out = ", out);
  NABLA_CHECK(k.h > 0 && k.w > 0, op, "kernel size must be positive, got ", k.str());
  NABLA_CHECK(stride.h > 0 && stride.w > 0 && dilation.h > 0 && dilation.w > 0, op,
              "stride and dilation must be positive, got stride ", stride.str(), ", dilation ",
              dilation.str());
  NABLA_CHECK(groups > 0 && in % groups == 0 && out % groups == 0, op, "groups (", groups,
              ") must divide both in_channels (", in, ") and out_channels (", out, ")");
}

PadMode pad_mode_of(PaddingMode m) {
  switch (m) {
    case PaddingMode::Reflect:
      return PadMode::Reflect;
    case PaddingMode::Replicate:
      return PadMode::Replicate;
    case PaddingMode::Circular:
      return PadMode::Circular;
    default:
      return PadMode::Constant;
  }
}

std::string padding_str(const Conv2dPadding& p) {
  if (p.same) return "'same'";
  if (p.top == p.bottom && p.left == p.right) return Size2(p.top, p.left).str();
  std::string s("(");
  for (int64_t v : {p.top, p.bottom, p.left}) {
    s += std::to_string(v);
    s += ", ";
  }
  s += std::to_string(p.right);
  s += ")";
  return s;
}
}  // namespace

const char* padding_mode_name(PaddingMode mode) {
  switch (mode) {
    case PaddingMode::Zeros:
      return "zeros";
    case PaddingMode::Reflect:
      return "reflect";
    case PaddingMode::Replicate:
      return "replicate";
    case PaddingMode::Circular:
      return "circular";
  }
  return "?";
}

PaddingMode padding_mode_from_name(const std::string& name) {
  for (PaddingMode m :
       {PaddingMode::Zeros, PaddingMode::Reflect, PaddingMode::Replicate, PaddingMode::Circular})
    if (name == padding_mode_name(m)) return m;
  NABLA_CHECK(false, "padding_mode", "unknown padding mode '", name,
              "' (expected zeros, reflect, replicate or circular)");
  return PaddingMode::Zeros;
}

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size, Conv2dOptions options)
    : in_(in_channels), out_(out_channels), kernel_(kernel_size), options_(options) {
  check_conv_args("Conv2d", in_, out_, kernel_, options.stride, options.dilation, options.groups);
  pads_ =
      conv2d_explicit_padding(options.padding, kernel_, options.stride, options.dilation, "Conv2d");
  NABLA_CHECK(pads_.top >= 0 && pads_.bottom >= 0 && pads_.left >= 0 && pads_.right >= 0, "Conv2d",
              "padding must be >= 0, got ", padding_str(pads_));
  weight = register_parameter("weight",
                              Tensor::empty({out_, in_ / options.groups, kernel_.h, kernel_.w}));
  if (options.bias) bias = register_parameter("bias", Tensor::empty({out_}));
  reset_parameters();
}

void Conv2d::reset_parameters(Generator* gen) { reset_conv(weight, bias, gen); }

Tensor Conv2d::forward(const Tensor& x) {
  nabla::Conv2dFuncOptions o{.stride = options_.stride,
                             .padding = pads_,
                             .dilation = options_.dilation,
                             .groups = options_.groups};
  if (options_.padding_mode == PaddingMode::Zeros) return conv2d(x, weight, bias, o);
  o.padding = 0;
  return conv2d(pad(x, {pads_.left, pads_.right, pads_.top, pads_.bottom},
                    pad_mode_of(options_.padding_mode)),
                weight, bias, o);
}

std::string Conv2d::extra_repr() const {
  std::string s = std::to_string(in_) + ", " + std::to_string(out_) +
                  ", kernel_size=" + kernel_.str() + ", stride=" + options_.stride.str();
  if (!(options_.padding == Conv2dPadding(0))) s += ", padding=" + padding_str(options_.padding);
  if (!(options_.dilation == Size2(1))) s += ", dilation=" + options_.dilation.str();
  if (options_.groups != 1) s += ", groups=" + std::to_string(options_.groups);
  if (!bias.defined()) s += ", bias=false";
  if (options_.padding_mode != PaddingMode::Zeros)
    s += std::string(", padding_mode='") + padding_mode_name(options_.padding_mode) + "'";
  return s;
}

Conv1d::Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
               Conv1dOptions options)
    : in_(in_channels), out_(out_channels), kernel_(kernel_size), options_(options) {
  check_conv_args("Conv1d", in_, out_, Size2(1, kernel_), Size2(1, options.stride),
                  Size2(1, options.dilation), options.groups);
  const Conv2dPadding p = conv2d_explicit_padding(
      options.padding.same ? Conv2dPadding(kPaddingSame) : Conv2dPadding(0, options.padding.value),
      Size2(1, kernel_), Size2(1, options.stride), Size2(1, options.dilation), "Conv1d");
  pad_left_ = p.left;
  pad_right_ = p.right;
  NABLA_CHECK(pad_left_ >= 0, "Conv1d", "padding must be >= 0, got ", pad_left_);
  weight = register_parameter("weight", Tensor::empty({out_, in_ / options.groups, kernel_}));
  if (options.bias) bias = register_parameter("bias", Tensor::empty({out_}));
  reset_parameters();
}

void Conv1d::reset_parameters(Generator* gen) { reset_conv(weight, bias, gen); }

Tensor Conv1d::forward(const Tensor& x) {
  nabla::Conv1dFuncOptions o{.stride = options_.stride,
                             .padding = pad_left_,
                             .dilation = options_.dilation,
                             .groups = options_.groups};
  if (options_.padding_mode == PaddingMode::Zeros && pad_left_ == pad_right_)
    return conv1d(x, weight, bias, o);
  // asymmetric ("same" with an even kernel) or a non-zero mode: pad first, as PyTorch does
  o.padding = 0;
  return conv1d(pad(x, {pad_left_, pad_right_}, pad_mode_of(options_.padding_mode)), weight, bias,
                o);
}

std::string Conv1d::extra_repr() const {
  std::string s = std::to_string(in_) + ", " + std::to_string(out_) +
                  ", kernel_size=" + std::to_string(kernel_) +
                  ", stride=" + std::to_string(options_.stride);
  if (options_.padding.same)
    s += ", padding='same'";
  else if (options_.padding.value != 0)
    s += ", padding=" + std::to_string(options_.padding.value);
  if (options_.dilation != 1) s += ", dilation=" + std::to_string(options_.dilation);
  if (options_.groups != 1) s += ", groups=" + std::to_string(options_.groups);
  if (!bias.defined()) s += ", bias=false";
  if (options_.padding_mode != PaddingMode::Zeros)
    s += std::string(", padding_mode='") + padding_mode_name(options_.padding_mode) + "'";
  return s;
}

ConvTranspose2d::ConvTranspose2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size,
                                 ConvTranspose2dOptions options)
    : in_(in_channels), out_(out_channels), kernel_(kernel_size), options_(options) {
  check_conv_args("ConvTranspose2d", in_, out_, kernel_, options.stride, options.dilation,
                  options.groups);
  weight = register_parameter("weight",
                              Tensor::empty({in_, out_ / options.groups, kernel_.h, kernel_.w}));
  if (options.bias) bias = register_parameter("bias", Tensor::empty({out_}));
  reset_parameters();
}

void ConvTranspose2d::reset_parameters(Generator* gen) { reset_conv(weight, bias, gen); }

Tensor ConvTranspose2d::forward(const Tensor& x) {
  return conv_transpose2d(
      x, weight, bias,
      nabla::ConvTranspose2dFuncOptions{.stride = options_.stride,
                                        .padding = options_.padding,
                                        .output_padding = options_.output_padding,
                                        .dilation = options_.dilation,
                                        .groups = options_.groups});
}

std::string ConvTranspose2d::extra_repr() const {
  std::string s = std::to_string(in_) + ", " + std::to_string(out_) +
                  ", kernel_size=" + kernel_.str() + ", stride=" + options_.stride.str();
  if (!(options_.padding == Size2(0))) s += ", padding=" + options_.padding.str();
  if (!(options_.output_padding == Size2(0)))
    s += ", output_padding=" + options_.output_padding.str();
  if (!(options_.dilation == Size2(1))) s += ", dilation=" + options_.dilation.str();
  if (options_.groups != 1) s += ", groups=" + std::to_string(options_.groups);
  if (!bias.defined()) s += ", bias=false";
  return s;
}

}  // namespace nabla::nn
