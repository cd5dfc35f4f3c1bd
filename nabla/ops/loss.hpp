// Functional losses (notes section 3 "Cost functions" and 6 "Activations"): MSE for
// regression, cross-entropy for classification (class-index or probability targets), NLL as the
// maximum-likelihood view, and binary cross-entropy for sigmoid outputs / multi-label logits.
//
// Semantics follow PyTorch 1.13 (torch.nn.functional) so fixtures from torch agree, including:
// - weighted "mean" divides by the sum of the weights of the non-ignored targets, not by N;
// - label smoothing mixes (1 - eps) * NLL with eps/C * (sum over classes of -w_c log p_c);
// - binary_cross_entropy clamps each log at -100, so probabilities of exactly 0 or 1 are finite.
// Losses from logits (cross_entropy, binary_cross_entropy_with_logits) are computed by a fused
// log-sum-exp kernel, so logits of +-1000 give finite values and gradients.
//
// Shapes: input (N, C) or (N, C, d1, ..., dk) or unbatched (C); class-index target (N, d1..dk)
// (int64) or (); probability target = input's shape. Class weights: (C). Element-wise losses
// take input and target of one shape; their weights broadcast to it.
#pragma once
#include <cstdint>
#include <string>

#include "nabla/core/tensor.hpp"

namespace nabla {

enum class Reduction { None, Mean, Sum };
const char* reduction_name(Reduction r);
// "none" | "mean" | "sum"; throws nabla::Error otherwise
Reduction reduction_from_string(const std::string& s);

// mean((input - target)^2); input and target must have one shape (no silent broadcasting:
// (N,1) against (N) is the classic bug). Gradients flow to both.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::Mean);

struct CrossEntropyOptions {
  Tensor weight{};              // (C) class weights, or undefined
  int64_t ignore_index = -100;  // class-index targets equal to it contribute nothing
  double label_smoothing = 0;   // in [0, 1]
  Reduction reduction = Reduction::Mean;
};

// log_softmax over dim 1 fused with the negative log-likelihood. An int64 target holds class
// indices; a floating target of the input's shape holds class probabilities (then ignore_index
// must stay negative, as in PyTorch, and the target also receives a gradient).
Tensor cross_entropy(const Tensor& logits, const Tensor& target,
                     const CrossEntropyOptions& options = {});

struct NllLossOptions {
  Tensor weight{};
  int64_t ignore_index = -100;
  Reduction reduction = Reduction::Mean;
};

// -log_probs[target] (times weight[target]): the negative log-likelihood of the targets under
// the model's log-probabilities, whose minimisation is maximum-likelihood estimation.
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const NllLossOptions& options = {});

struct BceOptions {
  Tensor weight{};  // broadcasts to the input's shape, or undefined
  Reduction reduction = Reduction::Mean;
};

// -w (y log p + (1 - y) log(1 - p)) for probabilities p in [0, 1] (checked), each log clamped at
// -100. The input gradient divides by max(p (1 - p), 1e-12) as PyTorch does.
Tensor binary_cross_entropy(const Tensor& probs, const Tensor& target,
                            const BceOptions& options = {});

struct BceWithLogitsOptions {
  Tensor weight{};      // broadcasts to the input's shape
  Tensor pos_weight{};  // broadcasts to the input's shape; usually (C) for multi-label (N, C)
  Reduction reduction = Reduction::Mean;
};

// sigmoid + binary cross-entropy in one stable expression:
// (1 - y) x + (1 + (pos_weight - 1) y) * softplus(-x). One independent yes/no per element,
// i.e. multi-label classification.
Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        const BceWithLogitsOptions& options = {});

}  // namespace nabla
