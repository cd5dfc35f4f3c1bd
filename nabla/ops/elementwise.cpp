#include "nabla/ops/elementwise.hpp"

#include <cmath>

#include "nabla/autograd/node.hpp"
#include "nabla/ops/iter.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla {

namespace detail {
Shape broadcast_strides_to(const Tensor& t, const Shape& out) {
  const int64_t nd = out.size(), ns = t.dim();
  Shape st(nd, 0);
  for (int64_t i = 0; i < ns; ++i) st[nd - ns + i] = t.shape()[i] == 1 ? 0 : t.strides()[i];
  return st;
}
}  // namespace detail

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    NABLA_CHECK(da == db || da == 1 || db == 1, op, "shapes ", shape_str(a), " and ", shape_str(b),
                " cannot be broadcast together (dim ", i, ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Tensor sum_to(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const int64_t lead = g.dim() - static_cast<int64_t>(shape.size());
  std::vector<int64_t> dims;
  for (int64_t i = 0; i < g.dim(); ++i)
    if (i < lead || (shape[i - lead] == 1 && g.shape()[i] != 1)) dims.push_back(i);
  Tensor s = dims.empty() ? g : sum(g, dims, true);
  return s.reshape(shape);
}

namespace {

void check_same_dtype(const Tensor& a, const Tensor& b, const char* op) {
  NABLA_CHECK(a.defined() && b.defined(), op, "undefined tensor argument");
  NABLA_CHECK(a.dtype() == b.dtype(), op, "dtype mismatch: ", dtype_name(a.dtype()), " and ",
              dtype_name(b.dtype()), " (convert one with .to())");
}

template <class F>
Tensor binary_raw(const char* op, const Tensor& a, const Tensor& b, F&& f) {
  check_same_dtype(a, b, op);
  Tensor out = Tensor::empty(broadcast_shapes(a.shape(), b.shape(), op), a.dtype());
  NABLA_DISPATCH(a.dtype(), T, [&] {
    detail::binary_loop<T, T, T>(a, b, out, [&](T x, T y) { return static_cast<T>(f(x, y)); });
  });
  return out;
}

template <class F>
Tensor unary_raw(const char* op, const Tensor& a, F&& f) {
  NABLA_CHECK(a.defined(), op, "undefined tensor argument");
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  NABLA_DISPATCH(a.dtype(), T, [&] {
    detail::unary_loop<T, T>(a, out, [&](T x) { return static_cast<T>(f(x)); });
  });
  return out;
}

template <class F>
Tensor unary_float(const char* op, const Tensor& a, F&& f) {
  NABLA_CHECK(a.defined() && is_floating(a.dtype()), op, "needs a float tensor, got ",
              a.defined() ? dtype_name(a.dtype()) : "undefined");
  Tensor out = Tensor::empty(a.shape(), a.dtype());
  NABLA_DISPATCH_FLOAT(a.dtype(), T, [&] {
    detail::unary_loop<T, T>(a, out, [&](T x) { return static_cast<T>(f(x)); });
  });
  return out;
}

Tensor scalar_like(double v, const Tensor& a) { return Tensor::scalar(v, a.dtype()); }

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = binary_raw("add", a, b, [](auto x, auto y) { return x + y; });
  return autograd::record("add", out, {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return std::vector<Tensor>{sum_to(g, sa), sum_to(g, sb)};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = binary_raw("sub", a, b, [](auto x, auto y) { return x - y; });
  return autograd::record("sub", out, {a, b}, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return std::vector<Tensor>{sum_to(g, sa), sum_to(neg(g), sb)};
  });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_raw("mul", a, b, [](auto x, auto y) { return x * y; });
  const bool ga = a.requires_grad(), gb = b.requires_grad();
  return autograd::record("mul", out, {a, b}, [a, b, ga, gb](const Tensor& g) {
    return std::vector<Tensor>{ga ? sum_to(mul(g, b), a.shape()) : Tensor(),
                               gb ? sum_to(mul(g, a), b.shape()) : Tensor()};
  });
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary_raw("div", a, b, [](auto x, auto y) { return x / y; });
  const bool gb = b.requires_grad();
  return autograd::record("div", out, {a, b}, [a, b, out, gb](const Tensor& g) {
    Tensor gq = div(g, b);
    return std::vector<Tensor>{sum_to(gq, a.shape()),
                               gb ? sum_to(neg(mul(gq, out)), b.shape()) : Tensor()};
  });
}

Tensor add(const Tensor& a, double b) {
  Tensor out = binary_raw("add", a, scalar_like(b, a), [](auto x, auto y) { return x + y; });
  return autograd::record("add_scalar", out, {a},
                          [](const Tensor& g) { return std::vector<Tensor>{g}; });
}

Tensor mul(const Tensor& a, double b) {
  Tensor out = binary_raw("mul", a, scalar_like(b, a), [](auto x, auto y) { return x * y; });
  return autograd::record("mul_scalar", out, {a},
                          [b](const Tensor& g) { return std::vector<Tensor>{mul(g, b)}; });
}

Tensor neg(const Tensor& a) {
  Tensor out = unary_raw("neg", a, [](auto x) { return -x; });
  return autograd::record("neg", out, {a},
                          [](const Tensor& g) { return std::vector<Tensor>{neg(g)}; });
}

Tensor exp(const Tensor& a) {
  Tensor out = unary_float("exp", a, [](auto x) { return std::exp(x); });
  return autograd::record("exp", out, {a},
                          [out](const Tensor& g) { return std::vector<Tensor>{mul(g, out)}; });
}

Tensor log(const Tensor& a) {
  Tensor out = unary_float("log", a, [](auto x) { return std::log(x); });
  return autograd::record("log", out, {a},
                          [a](const Tensor& g) { return std::vector<Tensor>{div(g, a)}; });
}

Tensor sqrt(const Tensor& a) {
  Tensor out = unary_float("sqrt", a, [](auto x) { return std::sqrt(x); });
  return autograd::record("sqrt", out, {a}, [out](const Tensor& g) {
    return std::vector<Tensor>{div(mul(g, 0.5), out)};
  });
}

Tensor abs(const Tensor& a) {
  Tensor out = unary_raw("abs", a, [](auto x) { return x < 0 ? -x : x; });
  return autograd::record("abs", out, {a},
                          [a](const Tensor& g) { return std::vector<Tensor>{mul(g, sign(a))}; });
}

Tensor sign(const Tensor& a) {
  return unary_raw("sign", a, [](auto x) { return (x > 0) - (x < 0); });
}

Tensor pow(const Tensor& a, double e) {
  // PyTorch computes x^0.5 as sqrt(x) and x^-0.5 as 1/sqrt(x); std::pow differs at -inf
  // (pow(-inf, 0.5) = +inf, sqrt(-inf) = NaN), so those two exponents take the same route.
  Tensor out = unary_float("pow", a, [e](auto x) {
    using T = decltype(x);
    if (e == 0.5) return std::sqrt(x);
    if (e == -0.5) return T(1) / std::sqrt(x);
    return static_cast<T>(std::pow(x, e));
  });
  return autograd::record("pow", out, {a}, [a, e](const Tensor& g) {
    // x^0 = 1 everywhere, NaN and 0 included: its gradient is 0, not 0 * x^-1 (NaN or inf)
    if (e == 0) return std::vector<Tensor>{Tensor::zeros(a.shape(), a.dtype())};
    return std::vector<Tensor>{mul(g, mul(pow(a, e - 1), e))};
  });
}

Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor out = binary_raw("pow", a, b, [](auto x, auto y) { return std::pow(x, y); });
  const bool gb = b.requires_grad();
  return autograd::record("pow", out, {a, b}, [a, b, out, gb](const Tensor& g) {
    // PyTorch's special cases, selected rather than multiplied so no 0 * inf = NaN appears:
    // d/da is 0 where b == 0 (x^0 = 1 for every x), d/db is 0 where a == 0 and b >= 0.
    Tensor da = mul(g, mul(b, pow(a, sub(b, Tensor::ones({}, b.dtype())))));
    da = binary_raw("pow_backward", da, b,
                    [](auto d, auto y) { return y == 0 ? decltype(d)(0) : d; });
    Tensor ga = sum_to(da, a.shape());
    if (!gb) return std::vector<Tensor>{ga, Tensor()};
    Tensor keep =
        binary_raw("pow_backward", a, b, [](auto x, auto y) { return x == 0 && y >= 0 ? 0 : 1; });
    Tensor db = binary_raw("pow_backward", mul(out, log(a)), keep,
                           [](auto d, auto k) { return k != 0 ? d : decltype(d)(0); });
    return std::vector<Tensor>{ga, sum_to(mul(g, db), b.shape())};
  });
}

Tensor clamp(const Tensor& a, double lo, double hi) {
  NABLA_CHECK(!std::isnan(lo) && !std::isnan(hi), "clamp", "bounds must not be NaN, got min ", lo,
              " and max ", hi);
  NABLA_CHECK(lo <= hi, "clamp", "min ", lo, " is greater than max ", hi);
  Tensor out = unary_raw("clamp", a, [lo, hi](auto x) {
    using T = decltype(x);
    return x < static_cast<T>(lo)   ? static_cast<T>(lo)
           : x > static_cast<T>(hi) ? static_cast<T>(hi)
                                    : x;
  });
  return autograd::record("clamp", out, {a}, [a, lo, hi](const Tensor& g) {
    // a select, not g * mask: PyTorch gives 0 outside [lo, hi] even for a NaN or inf gradient
    return std::vector<Tensor>{binary_raw("clamp_backward", g, a, [lo, hi](auto gv, auto x) {
      return x >= lo && x <= hi ? gv : decltype(gv)(0);
    })};
  });
}

Tensor clamp_min(const Tensor& a, double lo) { return clamp(a, lo, INFINITY); }

namespace {
// PyTorch's rule for maximum/minimum: a tie splits the gradient in half; otherwise it goes to
// the winner. With a NaN neither side "loses" (no comparison is true), so both get the full
// gradient, as in PyTorch. `lose(x, y)`: x lost to y (x < y for maximum).
template <class Lose>
std::vector<Tensor> extremum_backward(const Tensor& g, const Tensor& a, const Tensor& b,
                                      Lose lose) {
  auto share = [&](const Tensor& x, const Tensor& y) {
    Tensor w = binary_raw("extremum_backward", x, y, [&](auto u, auto v) {
      return lose(u, v) ? 0.0 : u == v ? 0.5 : 1.0;
    });
    // where, not multiply: a NaN or inf upstream gradient must not leak into the loser as NaN
    Tensor gw = binary_raw("extremum_backward", g, w, [](auto gv, auto wv) {
      return wv == 0 ? decltype(gv)(0) : wv == 1 ? gv : gv * wv;
    });
    return sum_to(gw, x.shape());
  };
  return {share(a, b), share(b, a)};
}
}  // namespace

// NaN in either input gives NaN, as PyTorch's maximum/minimum (unlike fmax/fmin).
Tensor maximum(const Tensor& a, const Tensor& b) {
  Tensor out = binary_raw("maximum", a, b, [](auto x, auto y) { return x >= y || x != x ? x : y; });
  return autograd::record("maximum", out, {a, b}, [a, b](const Tensor& g) {
    return extremum_backward(g, a, b, [](auto x, auto y) { return x < y; });
  });
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  Tensor out = binary_raw("minimum", a, b, [](auto x, auto y) { return x <= y || x != x ? x : y; });
  return autograd::record("minimum", out, {a, b}, [a, b](const Tensor& g) {
    return extremum_backward(g, a, b, [](auto x, auto y) { return x > y; });
  });
}

Tensor sigmoid(const Tensor& a) {
  // Split by sign so exp never overflows.
  Tensor out = unary_float("sigmoid", a, [](auto x) {
    using T = decltype(x);
    if (x >= 0) return T(1) / (T(1) + std::exp(-x));
    const T e = std::exp(x);
    return e / (T(1) + e);
  });
  return autograd::record("sigmoid", out, {a}, [out](const Tensor& g) {
    Tensor d = unary_raw("sigmoid_backward", out, [](auto y) { return y * (1 - y); });
    return std::vector<Tensor>{mul(g, d)};
  });
}

Tensor tanh(const Tensor& a) {
  Tensor out = unary_float("tanh", a, [](auto x) { return std::tanh(x); });
  return autograd::record("tanh", out, {a}, [out](const Tensor& g) {
    Tensor d = unary_raw("tanh_backward", out, [](auto y) { return 1 - y * y; });
    return std::vector<Tensor>{mul(g, d)};
  });
}

// NaN in, NaN out, and the gradient passes through a NaN (PyTorch's threshold rule: zero only
// where y <= 0): a diverged activation must not turn finite after a ReLU.
Tensor relu(const Tensor& a) {
  Tensor out = unary_raw("relu", a, [](auto x) { return x <= 0 ? decltype(x)(0) : x; });
  return autograd::record("relu", out, {a}, [out](const Tensor& g) {
    return std::vector<Tensor>{binary_raw(
        "relu_backward", g, out, [](auto gv, auto y) { return y <= 0 ? decltype(gv)(0) : gv; })};
  });
}

Tensor leaky_relu(const Tensor& a, double slope) {
  Tensor out = unary_float("leaky_relu", a, [slope](auto x) { return x > 0 ? x : x * slope; });
  return autograd::record("leaky_relu", out, {a}, [a, slope](const Tensor& g) {
    return std::vector<Tensor>{binary_raw(
        "leaky_relu_backward", g, a, [slope](auto gv, auto x) { return x > 0 ? gv : gv * slope; })};
  });
}

#define NABLA_COMPARE(name, expr)                                                  \
  Tensor name(const Tensor& a, const Tensor& b) {                                  \
    return binary_raw(#name, a, b, [](auto x, auto y) { return (expr) ? 1 : 0; }); \
  }
NABLA_COMPARE(eq, x == y)
NABLA_COMPARE(ne, x != y)
NABLA_COMPARE(lt, x < y)
NABLA_COMPARE(le, x <= y)
NABLA_COMPARE(gt, x > y)
NABLA_COMPARE(ge, x >= y)
#undef NABLA_COMPARE
Tensor gt(const Tensor& a, double b) { return gt(a, scalar_like(b, a)); }
Tensor lt(const Tensor& a, double b) { return lt(a, scalar_like(b, a)); }

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_same_dtype(a, b, "where");
  const Shape shape =
      broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor c = cond.dtype() == a.dtype() ? cond : Tensor::empty(cond.shape(), a.dtype()).copy_(cond);
  Tensor ce = c.as_strided(shape, detail::broadcast_strides_to(c, shape), c.offset());
  Tensor picked_a =
      binary_raw("where", ce, a, [](auto m, auto x) { return m != 0 ? x : decltype(x)(0); });
  Tensor inv = unary_raw("where", ce, [](auto m) { return m != 0 ? 0 : 1; });
  Tensor out = binary_raw(
      "where", picked_a,
      binary_raw("where", inv, b, [](auto m, auto y) { return m != 0 ? y : decltype(y)(0); }),
      [](auto x, auto y) { return x + y; });
  return autograd::record(
      "where", out, {a, b}, [ce, inv, sa = a.shape(), sb = b.shape()](const Tensor& g) {
        // selects, not g * mask: a NaN or inf gradient must stay on its own side (NaN * 0 = NaN)
        Tensor m =
            binary_raw("where", ce, g, [](auto m, auto x) { return m != 0 ? x : decltype(x)(0); });
        Tensor mb =
            binary_raw("where", inv, g, [](auto m, auto x) { return m != 0 ? x : decltype(x)(0); });
        return std::vector<Tensor>{sum_to(m, sa), sum_to(mb, sb)};
      });
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator+(const Tensor& a, double b) { return add(a, b); }
Tensor operator+(double a, const Tensor& b) { return add(b, a); }
Tensor operator-(const Tensor& a, double b) { return add(a, -b); }
Tensor operator-(double a, const Tensor& b) { return add(neg(b), a); }
Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
Tensor operator/(const Tensor& a, double b) { return mul(a, 1.0 / b); }
Tensor operator/(double a, const Tensor& b) { return div(Tensor::scalar(a, b.dtype()), b); }

}  // namespace nabla
