#include "nabla/nn/pooling.hpp"

#include "nabla/ops/pool.hpp"

namespace nabla::nn {

namespace {
const char* yes_no(bool b) { return b ? "true" : "false"; }
}  // namespace

MaxPool2d::MaxPool2d(Size2 kernel_size, MaxPool2dOptions options)
    : kernel_(kernel_size), options_(options) {
  NABLA_CHECK(kernel_.h > 0 && kernel_.w > 0, "MaxPool2d", "kernel size must be positive, got ",
              kernel_.str());
  if (!options_.stride) options_.stride = kernel_;
}

Tensor MaxPool2d::forward(const Tensor& x) {
  return max_pool2d(x, {.kernel = kernel_,
                        .stride = *options_.stride,
                        .padding = options_.padding,
                        .dilation = options_.dilation,
                        .ceil_mode = options_.ceil_mode});
}

std::string MaxPool2d::extra_repr() const {
  return "kernel_size=" + kernel_.str() + ", stride=" + options_.stride->str() +
         ", padding=" + options_.padding.str() + ", dilation=" + options_.dilation.str() +
         ", ceil_mode=" + yes_no(options_.ceil_mode);
}

AvgPool2d::AvgPool2d(Size2 kernel_size, AvgPool2dOptions options)
    : kernel_(kernel_size), options_(options) {
  NABLA_CHECK(kernel_.h > 0 && kernel_.w > 0, "AvgPool2d", "kernel size must be positive, got ",
              kernel_.str());
  if (!options_.stride) options_.stride = kernel_;
}

Tensor AvgPool2d::forward(const Tensor& x) {
  return avg_pool2d(x, {.kernel = kernel_,
                        .stride = *options_.stride,
                        .padding = options_.padding,
                        .ceil_mode = options_.ceil_mode,
                        .count_include_pad = options_.count_include_pad});
}

std::string AvgPool2d::extra_repr() const {
  return "kernel_size=" + kernel_.str() + ", stride=" + options_.stride->str() +
         ", padding=" + options_.padding.str() + ", ceil_mode=" + yes_no(options_.ceil_mode) +
         ", count_include_pad=" + yes_no(options_.count_include_pad);
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) { return adaptive_avg_pool2d(x, output_size_); }
std::string AdaptiveAvgPool2d::extra_repr() const { return "output_size=" + output_size_.str(); }

Tensor AdaptiveMaxPool2d::forward(const Tensor& x) { return adaptive_max_pool2d(x, output_size_); }
std::string AdaptiveMaxPool2d::extra_repr() const { return "output_size=" + output_size_.str(); }

}  // namespace nabla::nn
