// Internal to ops/norm: the fused normalisation kernels behind the public functions of
// norm.hpp. Arguments are checked by the callers in norm.cpp.
#pragma once
#include <vector>

#include "nabla/core/tensor.hpp"

namespace nabla::detail {

// x (N, C, S...) viewed as (N, C, S); per-channel statistics over (N, S). See norm_fused.cpp.
Tensor batch_norm_fused(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                        const Tensor& weight, const Tensor& bias, bool training, double momentum,
                        double eps);

// x viewed as `rows` rows of `row_len` contiguous values, each normalised by its own mean and
// biased variance. The affine parameters (flattened, groups * row_len / inner values) apply at
// index p = (row % groups) * (row_len / inner) + i / inner for element i of a row:
//   layer norm:  groups = 1, inner = 1        (p = i)
//   group norm:  groups = G, inner = H*W      (p = channel)
//   instance:    groups = C, inner = H*W      (p = channel)
// mean_out/var_out (optional) receive the per-row statistics.
Tensor row_norm_fused(const char* op, const Tensor& x, int64_t rows, int64_t row_len,
                      int64_t groups, int64_t inner, const Tensor& weight, const Tensor& bias,
                      double eps, std::vector<double>* mean_out = nullptr,
                      std::vector<double>* var_out = nullptr);

}  // namespace nabla::detail
