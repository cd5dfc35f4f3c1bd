// Compares autograd gradients with central finite differences, in float64.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "nabla/core/tensor.hpp"

namespace nabla::autograd {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-4;
};

struct GradcheckResult {
  bool ok = true;
  std::string message;  // the first mismatch: which input, which element, both values
  double max_abs_error = 0;
};

// fn maps the inputs (float64 tensors; those with requires_grad are checked) to one tensor.
// A non-scalar output is reduced as sum(output * fixed random weights) so every element counts.
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& opt = {});

}  // namespace nabla::autograd
