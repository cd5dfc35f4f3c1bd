// Reductions along dims (empty dims = all dims), with keepdim.
#pragma once
#include <vector>

#include "nabla/core/tensor.hpp"

namespace nabla {

Tensor sum(const Tensor& a, const std::vector<int64_t>& dims = {}, bool keepdim = false);
Tensor mean(const Tensor& a, const std::vector<int64_t>& dims = {}, bool keepdim = false);
// var with Bessel's correction when unbiased (PyTorch's default)
Tensor var(const Tensor& a, const std::vector<int64_t>& dims = {}, bool unbiased = true,
           bool keepdim = false);
Tensor max(const Tensor& a, int64_t dim, bool keepdim = false);  // gradient to the argmax
Tensor min(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor max(const Tensor& a);  // over all elements
Tensor min(const Tensor& a);
Tensor argmax(const Tensor& a, int64_t dim, bool keepdim = false);  // int64, first max wins
Tensor argmin(const Tensor& a, int64_t dim, bool keepdim = false);
Tensor logsumexp(const Tensor& a, int64_t dim, bool keepdim = false);  // stable
Tensor softmax(const Tensor& a, int64_t dim);
Tensor log_softmax(const Tensor& a, int64_t dim);

}  // namespace nabla
