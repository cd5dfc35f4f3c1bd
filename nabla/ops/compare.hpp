// Closeness checks with PyTorch's semantics (torch.isclose / torch.allclose), and the largest
// absolute difference, the number to print when two results disagree. Inputs need equal dtypes
// and shapes that broadcast (as for nabla's elementwise ops). No gradients: these are checks.
//   isclose(a, b):  |a - b| <= atol + rtol * |b|   (not symmetric: b is the reference)
// Infinities are close only to the same infinity; NaN is close to NaN only with equal_nan.
#pragma once
#include "nabla/core/tensor.hpp"

namespace nabla {

struct CloseOptions {
  double rtol = 1e-5;  // PyTorch's defaults
  double atol = 1e-8;
  bool equal_nan = false;
};

// 0/1 per element, in a's dtype (like eq), with the broadcast shape of a and b.
Tensor isclose(const Tensor& a, const Tensor& b, const CloseOptions& options = {});
// True when every element is close (true for empty tensors, as in PyTorch).
bool allclose(const Tensor& a, const Tensor& b, const CloseOptions& options = {});
// max |a - b| over the broadcast elements, as a double; 0 for empty tensors, NaN if any
// difference is NaN (a NaN in either input), so a mismatch is never hidden.
double max_abs_diff(const Tensor& a, const Tensor& b);

}  // namespace nabla
