// Loss objects (torch.nn.MSELoss, CrossEntropyLoss, ...): an options struct fixed at
// construction, then loss(input, target) -> Tensor. They hold no parameters, so they are plain
// copyable values rather than Modules, and fit train::LossFn directly:
//   nn::CrossEntropyLoss loss({.label_smoothing = 0.1});
//   Tensor l = loss(net(x), labels);
// The math, shapes and PyTorch semantics are those of nabla/ops/loss.hpp.
#pragma once
#include <string>

#include "nabla/ops/loss.hpp"

namespace nabla::nn {

struct MSELossOptions {
  Reduction reduction = Reduction::Mean;
};
using CrossEntropyLossOptions =
    CrossEntropyOptions;                // weight, ignore_index, label_smoothing, reduction
using NLLLossOptions = NllLossOptions;  // weight, ignore_index, reduction
using BCELossOptions = BceOptions;      // weight, reduction
using BCEWithLogitsLossOptions = BceWithLogitsOptions;  // weight, pos_weight, reduction

// Regression: mean squared error.
class MSELoss {
 public:
  explicit MSELoss(MSELossOptions options = {}) : options_(options) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return forward(input, target);
  }
  Tensor forward(const Tensor& input, const Tensor& target) const;
  const MSELossOptions& options() const { return options_; }
  std::string repr() const;

 private:
  MSELossOptions options_;
};

// Classification from logits: log_softmax + NLL, fused. Class-index or probability targets.
class CrossEntropyLoss {
 public:
  explicit CrossEntropyLoss(CrossEntropyLossOptions options = {});
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return forward(input, target);
  }
  Tensor forward(const Tensor& input, const Tensor& target) const;
  const CrossEntropyLossOptions& options() const { return options_; }
  std::string repr() const;

 private:
  CrossEntropyLossOptions options_;
};

// Negative log-likelihood of log-probabilities (pair with LogSoftmax): the MLE loss.
class NLLLoss {
 public:
  explicit NLLLoss(NLLLossOptions options = {});
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return forward(input, target);
  }
  Tensor forward(const Tensor& input, const Tensor& target) const;
  const NLLLossOptions& options() const { return options_; }
  std::string repr() const;

 private:
  NLLLossOptions options_;
};

// Binary cross-entropy of probabilities (after a Sigmoid).
class BCELoss {
 public:
  explicit BCELoss(BCELossOptions options = {}) : options_(options) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return forward(input, target);
  }
  Tensor forward(const Tensor& input, const Tensor& target) const;
  const BCELossOptions& options() const { return options_; }
  std::string repr() const;

 private:
  BCELossOptions options_;
};

// Sigmoid + binary cross-entropy from logits, stable: multi-label classification.
class BCEWithLogitsLoss {
 public:
  explicit BCEWithLogitsLoss(BCEWithLogitsLossOptions options = {}) : options_(options) {}
  Tensor operator()(const Tensor& input, const Tensor& target) const {
    return forward(input, target);
  }
  Tensor forward(const Tensor& input, const Tensor& target) const;
  const BCEWithLogitsLossOptions& options() const { return options_; }
  std::string repr() const;

 private:
  BCEWithLogitsLossOptions options_;
};

}  // namespace nabla::nn
