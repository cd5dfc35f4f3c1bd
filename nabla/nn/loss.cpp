#include "nabla/nn/loss.hpp"

#include <sstream>

namespace nabla::nn {

namespace {

// Checks what can be checked before the first batch, so a bad option fails at construction
// rather than deep inside a training loop.
void check_class_options(const Tensor& weight, double label_smoothing, const char* op) {
  if (weight.defined()) {
    NABLA_CHECK(is_floating(weight.dtype()) && weight.dim() == 1, op,
                "expected class weights as a floating 1-D tensor (C), got ",
                dtype_name(weight.dtype()), " ", shape_str(weight.shape()));
  }
  NABLA_CHECK(label_smoothing >= 0 && label_smoothing <= 1, op,
              "expected label_smoothing in [0, 1], got ", label_smoothing);
}

std::string weight_repr(const Tensor& w) { return w.defined() ? shape_str(w.shape()) : "None"; }

}  // namespace

Tensor MSELoss::forward(const Tensor& input, const Tensor& target) const {
  return mse_loss(input, target, options_.reduction);
}
std::string MSELoss::repr() const {
  return std::string("MSELoss(reduction=") + reduction_name(options_.reduction) + ")";
}

CrossEntropyLoss::CrossEntropyLoss(CrossEntropyLossOptions options) : options_(std::move(options)) {
  check_class_options(options_.weight, options_.label_smoothing, "CrossEntropyLoss");
}
Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) const {
  return cross_entropy(input, target, options_);
}
std::string CrossEntropyLoss::repr() const {
  std::ostringstream os;
  os << "CrossEntropyLoss(weight=" << weight_repr(options_.weight)
     << ", ignore_index=" << options_.ignore_index
     << ", label_smoothing=" << options_.label_smoothing
     << ", reduction=" << reduction_name(options_.reduction) << ")";
  return os.str();
}

NLLLoss::NLLLoss(NLLLossOptions options) : options_(std::move(options)) {
  check_class_options(options_.weight, 0, "NLLLoss");
}
Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) const {
  return nll_loss(input, target, options_);
}
std::string NLLLoss::repr() const {
  std::ostringstream os;
  os << "NLLLoss(weight=" << weight_repr(options_.weight)
     << ", ignore_index=" << options_.ignore_index
     << ", reduction=" << reduction_name(options_.reduction) << ")";
  return os.str();
}

Tensor BCELoss::forward(const Tensor& input, const Tensor& target) const {
  return binary_cross_entropy(input, target, options_);
}
std::string BCELoss::repr() const {
  return "BCELoss(weight=" + weight_repr(options_.weight) +
         ", reduction=" + reduction_name(options_.reduction) + ")";
}

Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) const {
  return binary_cross_entropy_with_logits(input, target, options_);
}
std::string BCEWithLogitsLoss::repr() const {
  return "BCEWithLogitsLoss(weight=" + weight_repr(options_.weight) +
         ", pos_weight=" + weight_repr(options_.pos_weight) +
         ", reduction=" + reduction_name(options_.reduction) + ")";
}

}  // namespace nabla::nn
