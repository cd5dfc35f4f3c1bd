// Differentiable shape operations: views share storage where the strides allow it.
#pragma once
#include <vector>

#include "nabla/core/tensor.hpp"

namespace nabla {

Tensor reshape(const Tensor& a,
               const Shape& shape);                // view when possible, else copy; one -1 allowed
Tensor view(const Tensor& a, const Shape& shape);  // view or error
Tensor permute(const Tensor& a, const std::vector<int64_t>& dims);
Tensor transpose(const Tensor& a, int64_t d0, int64_t d1);
Tensor slice(const Tensor& a, int64_t dim, int64_t start, int64_t end, int64_t step = 1);
Tensor narrow(const Tensor& a, int64_t dim, int64_t start, int64_t length);
Tensor select(const Tensor& a, int64_t dim, int64_t index);
Tensor expand(const Tensor& a, const Shape& shape);  // -1 keeps a size
Tensor squeeze(const Tensor& a, int64_t dim);
Tensor squeeze(const Tensor& a);
Tensor unsqueeze(const Tensor& a, int64_t dim);
Tensor flatten(const Tensor& a, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor contiguous(const Tensor& a);
Tensor clone(const Tensor& a);
Tensor to_dtype(const Tensor& a, DType dtype);

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim);
std::vector<Tensor> split(const Tensor& a, int64_t split_size, int64_t dim);
std::vector<Tensor> chunk(const Tensor& a, int64_t chunks, int64_t dim);
// out[i][j] = a[index[i][j]][j] (dim 0), etc.; index is int64 of the same rank as a
Tensor gather(const Tensor& a, int64_t dim, const Tensor& index);
// rows of a along dim picked by a 1-D int64 index (repeats allowed; gradients add up)
Tensor index_select(const Tensor& a, int64_t dim, const Tensor& index);
// zero padding of the last dims: pads = {left, right, top, bottom, ...} as torch.nn.functional.pad
Tensor pad(const Tensor& a, const std::vector<int64_t>& pads, double value = 0);

}  // namespace nabla
