// Matrix products through OpenBLAS (sgemm/dgemm).
#pragma once
#include "nabla/core/tensor.hpp"

namespace nabla {

// 1-D x 1-D = dot, 2-D x 2-D = mm, batched (..., n, k) x (..., k, m) with broadcast batch dims.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);
// y = x W^T + b with x (N, in), W (out, in), b (out) or undefined: one GEMM forward and backward.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace nabla
