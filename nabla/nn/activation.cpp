#include "nabla/nn/activation.hpp"

#include <sstream>

#include "nabla/ops/activation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"

namespace nabla::nn {

Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }
Tensor Tanh::forward(const Tensor& x) { return tanh(x); }
Tensor ReLU::forward(const Tensor& x) { return relu(x); }

Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, slope_); }
std::string LeakyReLU::extra_repr() const {
  std::ostringstream os;
  os << "negative_slope=" << slope_;
  return os.str();
}

GELU::GELU(const std::string& approximate)
    : approximate_(gelu_approximate_from_string(approximate)) {}
Tensor GELU::forward(const Tensor& x) { return gelu(x, approximate_); }
std::string GELU::extra_repr() const {
  return std::string("approximate='") + gelu_approximate_name(approximate_) + "'";
}

Tensor Softmax::forward(const Tensor& x) { return softmax(x, dim_); }
std::string Softmax::extra_repr() const { return "dim=" + std::to_string(dim_); }

Tensor LogSoftmax::forward(const Tensor& x) { return log_softmax(x, dim_); }
std::string LogSoftmax::extra_repr() const { return "dim=" + std::to_string(dim_); }

Maxout::Maxout(int64_t in_features, int64_t out_features, int64_t pieces, LinearOptions options)
    : pieces_(pieces) {
  NABLA_CHECK(pieces >= 1, "Maxout", "pieces must be >= 1, got ", pieces);
  linear_ = register_module("linear", Linear(in_features, out_features * pieces, options));
}

Tensor Maxout::forward(const Tensor& x) { return maxout(linear_->forward(x), pieces_, -1); }

std::string Maxout::extra_repr() const {
  return "in_features=" + std::to_string(linear_->in_features()) +
         ", out_features=" + std::to_string(linear_->out_features() / pieces_) +
         ", pieces=" + std::to_string(pieces_);
}

Tensor ChannelMaxout::forward(const Tensor& x) {
  NABLA_CHECK(x.dim() >= 2, "ChannelMaxout", "expected input (N, C*pieces, ...), got ",
              shape_str(x.shape()));
  return maxout(x, pieces_, 1);
}

std::string ChannelMaxout::extra_repr() const { return "pieces=" + std::to_string(pieces_); }

}  // namespace nabla::nn
