#include "nabla/nn/linear.hpp"

#include <cmath>

#include "nabla/nn/init.hpp"
#include "nabla/ops/matmul.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla::nn {

Linear::Linear(int64_t in_features, int64_t out_features, LinearOptions options)
    : in_(in_features), out_(out_features) {
  NABLA_CHECK(in_features > 0 && out_features > 0, "Linear",
              "in_features and out_features must be positive, got ", in_features, " and ",
              out_features);
  weight = register_parameter("weight", Tensor::empty({out_, in_}));
  if (options.bias) bias = register_parameter("bias", Tensor::empty({out_}));
  reset_parameters();
}

void Linear::reset_parameters(Generator* gen) {
  // torch.nn.Linear: kaiming_uniform_(a = sqrt(5)) gives U(-1/sqrt(in), 1/sqrt(in)).
  init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::FanIn,
                         init::Nonlinearity::LeakyReLU, gen);
  if (bias.defined()) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_));
    init::uniform_(bias, -bound, bound, gen);
  }
}

Tensor Linear::forward(const Tensor& x) {
  NABLA_CHECK(x.defined() && x.dim() >= 1 && x.size(-1) == in_, "Linear", "expected input (..., ",
              in_, "), got ",
              x.defined() ? shape_str(x.shape()) : std::string("an undefined tensor"),
              x.defined() && x.dim() >= 3 ? " (add nn::Flatten() before a Linear on images)" : "");
  if (x.dim() == 2) return linear(x, weight, bias);
  Shape out_shape = x.shape();
  out_shape.back() = out_;
  return reshape(linear(reshape(x, {-1, in_}), weight, bias), out_shape);
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_) + ", out_features=" + std::to_string(out_) +
         ", bias=" + (bias.defined() ? "true" : "false");
}

Tensor Flatten::forward(const Tensor& x) { return flatten(x, start_dim_, end_dim_); }

std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim_) + ", end_dim=" + std::to_string(end_dim_);
}

}  // namespace nabla::nn
