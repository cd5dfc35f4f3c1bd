#include "nabla/ops/dropout.hpp"

#include "nabla/ops/elementwise.hpp"

namespace nabla {

Tensor dropout_mask(const Shape& shape, double p, DType dtype, Generator* gen) {
  NABLA_CHECK(p >= 0 && p <= 1, "dropout", "p must be in [0, 1], got ", p);
  NABLA_CHECK(is_floating(dtype), "dropout", "mask dtype must be floating, got ",
              dtype_name(dtype));
  Generator& g = gen != nullptr ? *gen : default_generator();
  Tensor mask = Tensor::empty(shape, dtype);
  // Kept elements are scaled by 1/(1-p) so the expected value of x * mask is x.
  const double scale = p < 1 ? 1.0 / (1.0 - p) : 0.0;
  NABLA_DISPATCH_FLOAT(dtype, T, [&] {
    T* m = mask.data<T>();
    const int64_t n = mask.numel();
    // Serial on purpose: one generator stream in element order makes masks reproducible for a
    // seed whatever the thread count.
    for (int64_t i = 0; i < n; ++i) m[i] = g.uniform() >= p ? static_cast<T>(scale) : T(0);
  });
  return mask;
}

Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
  NABLA_CHECK(p >= 0 && p <= 1, "dropout", "p must be in [0, 1], got ", p);
  if (!training || p == 0) return x;
  NABLA_CHECK(is_floating(x.dtype()), "dropout", "expected a floating input, got ",
              dtype_name(x.dtype()));
  return x * dropout_mask(x.shape(), p, x.dtype(), gen);
}

Tensor dropout2d(const Tensor& x, double p, bool training, Generator* gen) {
  NABLA_CHECK(p >= 0 && p <= 1, "dropout2d", "p must be in [0, 1], got ", p);
  NABLA_CHECK(x.dim() >= 3, "dropout2d", "expected input (N, C, H, W) or (N, C, L), got ",
              shape_str(x.shape()));
  if (!training || p == 0) return x;
  Shape ms(x.dim(), 1);
  ms[0] = x.size(0);
  ms[1] = x.size(1);
  return x * dropout_mask(ms, p, x.dtype(), gen);
}

}  // namespace nabla
