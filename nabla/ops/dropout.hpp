// Dropout (Srivastava et al.): in training, zero each element with probability p and scale the
// survivors by 1/(1-p) ("inverted" dropout, so eval needs no rescaling); identity otherwise.
#pragma once
#include "nabla/core/random.hpp"
#include "nabla/core/tensor.hpp"

namespace nabla {

// gen = nullptr uses nabla::default_generator(). p in [0, 1]; p = 1 gives zeros.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true, Generator* gen = nullptr);
// Drops whole channels: x (N,C,...) keeps or zeroes each (n, c) plane as one.
Tensor dropout2d(const Tensor& x, double p = 0.5, bool training = true, Generator* gen = nullptr);
// The mask dropout would multiply by: 0 or 1/(1-p) per element of `shape`, in `dtype`.
Tensor dropout_mask(const Shape& shape, double p, DType dtype, Generator* gen = nullptr);

}  // namespace nabla
