// Gradient clipping, applied between backward() and opt.step() (PyTorch 1.13's
// torch.nn.utils.clip_grad_norm_ / clip_grad_value_). Parameters without a gradient are skipped.
#pragma once
#include <vector>

#include "nabla/core/tensor.hpp"

namespace nabla::optim {

// Scales all gradients together by min(1, max_norm / (total_norm + 1e-6)), where total_norm is
// the norm_type-norm of the per-gradient norms (= of all gradients as one vector). norm_type is
// > 0 or infinity (std::numeric_limits<double>::infinity()). Returns total_norm (before
// clipping). error_if_nonfinite: throw nabla::Error if total_norm is NaN or infinite.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// Clamps every gradient element to [-clip_value, clip_value] (clip_value >= 0).
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

}  // namespace nabla::optim
