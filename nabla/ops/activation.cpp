#include "nabla/ops/activation.hpp"

#include <cmath>
#include <numbers>

#include "nabla/autograd/node.hpp"
#include "nabla/ops/iter.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla {

Tensor maxout(const Tensor& x, int64_t pieces, int64_t dim) {
  NABLA_CHECK(x.defined(), "maxout", "input is undefined");
  const int64_t d = x.wrap_dim(dim, "maxout");
  NABLA_CHECK(pieces >= 1 && x.size(d) % pieces == 0, "maxout", "dim ", dim, " of input ",
              shape_str(x.shape()), " must be a multiple of pieces = ", pieces);
  // (..., out*pieces, ...) -> (..., out, pieces, ...) -> max over the pieces axis.
  Shape s = x.shape();
  s[d] = x.size(d) / pieces;
  s.insert(s.begin() + d + 1, pieces);
  return max(reshape(x, s), d + 1);
}

namespace {

// PyTorch 1.13's constants (M_SQRT1_2, M_2_SQRTPI * M_SQRT1_2 * 0.5, M_SQRT2 * M_2_SQRTPI * 0.5)
// built the same way from std::numbers: 1/sqrt(2), 1/sqrt(2 pi), sqrt(2/pi).
constexpr double kSqrtHalf = std::numbers::sqrt2 / 2;
constexpr double kPdf = (2 * std::numbers::inv_sqrtpi) * kSqrtHalf * 0.5;
constexpr double kTanhBeta = std::numbers::sqrt2 * (2 * std::numbers::inv_sqrtpi) * 0.5;
constexpr double kTanhKappa = 0.044715;

template <class T>
T gelu_exact(T x) {
  return x * T(0.5) * (T(1) + std::erf(x * T(kSqrtHalf)));
}
// Phi(x) + x phi(x)
template <class T>
T gelu_exact_grad(T x) {
  const T cdf = T(0.5) * (T(1) + std::erf(x * T(kSqrtHalf)));
  const T pdf = T(kPdf) * std::exp(x * x * T(-0.5));
  return cdf + x * pdf;
}

template <class T>
T gelu_tanh(T x) {
  const T inner = T(kTanhBeta) * (x + T(kTanhKappa) * (x * x * x));
  return T(0.5) * x * (T(1) + std::tanh(inner));
}
// product rule on 0.5 x * (1 + tanh(inner))
template <class T>
T gelu_tanh_grad(T x) {
  const T x_sq = x * x;
  const T t = std::tanh(T(kTanhBeta) * (x + T(kTanhKappa) * (x_sq * x)));
  const T inner_grad = T(kTanhBeta) * (T(1) + T(3 * kTanhKappa) * x_sq);
  return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * inner_grad;
}

// g * gelu'(x), elementwise (g has x's shape; either may be strided).
Tensor gelu_backward(const Tensor& g, const Tensor& x, GeluApproximate approximate) {
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  const Tensor gx = g.dtype() == x.dtype() ? g : g.to(x.dtype());
  NABLA_DISPATCH_FLOAT(x.dtype(), T, [&] {
    if (approximate == GeluApproximate::Tanh) {
      detail::binary_loop<T, T, T>(gx, x, out, [](T gv, T xv) { return gv * gelu_tanh_grad(xv); });
    } else {
      detail::binary_loop<T, T, T>(gx, x, out, [](T gv, T xv) { return gv * gelu_exact_grad(xv); });
    }
  });
  return out;
}

}  // namespace

const char* gelu_approximate_name(GeluApproximate a) {
  return a == GeluApproximate::Tanh ? "tanh" : "none";
}

GeluApproximate gelu_approximate_from_string(const std::string& s) {
  if (s == "none") return GeluApproximate::None;
  NABLA_CHECK(s == "tanh", "gelu",
              "approximate must be \"none\" (the exact erf form) or \"tanh\", got \"", s, "\"");
  return GeluApproximate::Tanh;
}

Tensor gelu(const Tensor& x, GeluApproximate approximate) {
  NABLA_CHECK(x.defined() && is_floating(x.dtype()), "gelu", "needs a float tensor, got ",
              x.defined() ? dtype_name(x.dtype()) : "undefined");
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  NABLA_DISPATCH_FLOAT(x.dtype(), T, [&] {
    if (approximate == GeluApproximate::Tanh) {
      detail::unary_loop<T, T>(x, out, [](T v) { return gelu_tanh(v); });
    } else {
      detail::unary_loop<T, T>(x, out, [](T v) { return gelu_exact(v); });
    }
  });
  return autograd::record("gelu", out, {x}, [x, approximate](const Tensor& g) {
    return std::vector<Tensor>{gelu_backward(g, x, approximate)};
  });
}

}  // namespace nabla
