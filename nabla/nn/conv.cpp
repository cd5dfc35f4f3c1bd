#include "nabla/nn/conv.hpp"

#include <cmath>

#include "nabla/nn/init.hpp"

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

void check_conv_args(const char* op, int64_t in, int64_t out, Size2 k, Size2 stride,
                     Size2 dilation, int64_t groups) {
  NABLA_CHECK(in > 0 && out > 0, op, "channel counts must be positive, got in = ", in,
              ", out = ", out);
  NABLA_CHECK(k.h > 0 && k.w > 0, op, "kernel size must be positive, got ", k.str());
  NABLA_CHECK(stride.h > 0 && stride.w > 0 && dilation.h > 0 && dilation.w > 0, op,
              "stride and dilation must be positive, got stride ", stride.str(), ", dilation ",
              dilation.str());
  NABLA_CHECK(groups > 0 && in % groups == 0 && out % groups == 0, op, "groups (", groups,
              ") must divide both in_channels (", in, ") and out_channels (", out, ")");
}

std::string padding_str(const Conv2dPadding& p) {
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

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size,
               Conv2dOptions options)
    : in_(in_channels), out_(out_channels), kernel_(kernel_size), options_(options) {
  check_conv_args("Conv2d", in_, out_, kernel_, options.stride, options.dilation, options.groups);
  weight = register_parameter("weight",
                              Tensor::empty({out_, in_ / options.groups, kernel_.h, kernel_.w}));
  if (options.bias) bias = register_parameter("bias", Tensor::empty({out_}));
  reset_parameters();
}

void Conv2d::reset_parameters(Generator* gen) { reset_conv(weight, bias, gen); }

Tensor Conv2d::forward(const Tensor& x) {
  return conv2d(x, weight, bias,
                nabla::Conv2dOptions{.stride = options_.stride,
                                     .padding = options_.padding,
                                     .dilation = options_.dilation,
                                     .groups = options_.groups});
}

std::string Conv2d::extra_repr() const {
  std::string s = std::to_string(in_) + ", " + std::to_string(out_) +
                  ", kernel_size=" + kernel_.str() + ", stride=" + options_.stride.str();
  if (!(options_.padding == Conv2dPadding(0))) s += ", padding=" + padding_str(options_.padding);
  if (!(options_.dilation == Size2(1))) s += ", dilation=" + options_.dilation.str();
  if (options_.groups != 1) s += ", groups=" + std::to_string(options_.groups);
  if (!bias.defined()) s += ", bias=false";
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
  return conv_transpose2d(x, weight, bias,
                          nabla::ConvTranspose2dOptions{.stride = options_.stride,
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
