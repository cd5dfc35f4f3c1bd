#include "nabla/ops/compare.hpp"

#include <cmath>
#include <limits>

#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/iter.hpp"

namespace nabla {

namespace {

void check_pair(const char* op, const Tensor& a, const Tensor& b) {
  NABLA_CHECK(a.defined() && b.defined(), op, "expected two defined tensors");
  NABLA_CHECK(a.dtype() == b.dtype(), op, "expected equal dtypes, got ", dtype_name(a.dtype()),
              " and ", dtype_name(b.dtype()), " (convert one with .to())");
}

void check_tolerances(const char* op, const CloseOptions& o) {
  NABLA_CHECK(o.rtol >= 0 && o.atol >= 0, op, "expected rtol >= 0 and atol >= 0, got rtol ", o.rtol,
              ", atol ", o.atol);
}

// torch.isclose for one pair, computed in double (exact for float32 inputs).
bool close_pair(double x, double y, const CloseOptions& o) {
  if (x == y) return true;  // also equal infinities, where x - y would be NaN
  if (std::isnan(x) || std::isnan(y)) return o.equal_nan && std::isnan(x) && std::isnan(y);
  if (!std::isfinite(x) || !std::isfinite(y)) return false;
  return std::abs(x - y) <= o.atol + o.rtol * std::abs(y);
}

}  // namespace

Tensor isclose(const Tensor& a, const Tensor& b, const CloseOptions& options) {
  check_pair("isclose", a, b);
  check_tolerances("isclose", options);
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), "isclose"), a.dtype());
  NABLA_DISPATCH(a.dtype(), T, [&] {
    detail::binary_loop<T, T, T>(a, b, out, [&](T x, T y) {
      return static_cast<T>(close_pair(static_cast<double>(x), static_cast<double>(y), options));
    });
  });
  return out;
}

bool allclose(const Tensor& a, const Tensor& b, const CloseOptions& options) {
  check_pair("allclose", a, b);
  check_tolerances("allclose", options);
  const Tensor c = isclose(a, b, options);
  bool all = true;
  NABLA_DISPATCH(c.dtype(), T, [&] {
    const T* p = c.data<T>();
    for (int64_t i = 0; i < c.numel() && all; ++i) all = p[i] != 0;
  });
  return all;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  check_pair("max_abs_diff", a, b);
  // |a - b| elementwise in double (int64 differences may not fit the input type)
  Tensor d = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), "max_abs_diff"), DType::Float64);
  NABLA_DISPATCH(a.dtype(), T, [&] {
    detail::binary_loop<double, T, T>(a, b, d, [](T x, T y) {
      return std::abs(static_cast<double>(x) - static_cast<double>(y));
    });
  });
  double worst = 0;
  const double* p = d.data<double>();
  for (int64_t i = 0; i < d.numel(); ++i) {
    if (std::isnan(p[i])) return std::numeric_limits<double>::quiet_NaN();
    worst = std::max(worst, p[i]);
  }
  return worst;
}

}  // namespace nabla
