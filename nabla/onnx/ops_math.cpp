// Elementwise ops and activations. nabla's arithmetic is float-only, so integer Add/Sub/Mul/Div
// run in float64 and come back as int64 (exact below 2^53; Div truncates as ONNX's reference).
#include <cmath>
#include <limits>

#include "nabla/autograd/node.hpp"
#include "nabla/onnx/ops.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

std::vector<Tensor> one(Tensor t) { return {std::move(t)}; }

Tensor as_float(const Tensor& t) {
  return is_floating(t.dtype()) ? t : to_dtype(t, DType::Float64);
}

// Int64 results of float64 arithmetic: truncated toward zero.
Tensor back_to(const Tensor& r, DType dtype) { return dtype == r.dtype() ? r : to_dtype(r, dtype); }

template <class F>
OpFn binary(F f) {
  return [f](const OpContext& c) {
    const Tensor& a = c.input(0);
    const Tensor& b = c.input(1);
    if (a.dtype() != b.dtype())
      c.fail(std::string("inputs have different types: ") + dtype_name(a.dtype()) + " and " +
             dtype_name(b.dtype()));
    return one(back_to(f(as_float(a), as_float(b)), a.dtype()));
  };
}

template <class F>
OpFn unary(F f) {
  return [f](const OpContext& c) {
    const Tensor& a = c.input(0);
    if (!is_floating(a.dtype())) c.unsupported("an integer input");
    return one(f(a, c));
  };
}

// Same, for the ops whose integer form ONNX defines (Neg, Abs, Clip on shape arithmetic and int8
// data): run in float64 and come back as int64, exact below 2^53; nabla has no narrower ints.
template <class F>
OpFn unary_int(F f) {
  return [f](const OpContext& c) {
    const Tensor& a = c.input(0);
    if (is_floating(a.dtype())) return one(f(a, c));
    return one(to_dtype(f(to_dtype(a, DType::Float64), c), a.dtype()));
  };
}

// ONNX's Erf (the GELU export's building block): no nabla op has it, so the forward is computed
// here and the backward, 2/sqrt(pi) exp(-x^2), is recorded from differentiable ops.
Tensor erf(const Tensor& x) {
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  const Tensor xc = x.contiguous();
  NABLA_DISPATCH(x.dtype(), T, [&] {
    const T* in = xc.data<T>();
    T* o = out.data<T>();
    for (int64_t i = 0; i < out.numel(); ++i) o[i] = std::erf(in[i]);
  });
  return autograd::record("onnx.Erf", out, {x}, [x](const Tensor& g) {
    return std::vector<Tensor>{g * (exp(-(x * x)) * (2.0 / std::sqrt(M_PI)))};
  });
}

Tensor clip(const Tensor& x, const OpContext& c) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  double lo = -inf, hi = inf;
  if (c.opset() < 11) {
    lo = c.attr_float("min", -inf);
    hi = c.attr_float("max", inf);
  } else {
    if (c.has_input(1)) lo = c.input(1).item();
    if (c.has_input(2)) hi = c.input(2).item();
  }
  if (lo > hi) return Tensor::full(x.shape(), hi, x.dtype());  // ONNX: min > max gives max
  return clamp(x, lo, hi);
}

// Max/Min/Sum/Mean over one or more inputs, broadcasting pairwise.
template <class F>
OpFn variadic(F f, bool mean = false) {
  return [f, mean](const OpContext& c) {
    Tensor acc = c.input(0);
    for (size_t i = 1; i < c.num_inputs(); ++i) acc = f(acc, c.input(i));
    if (mean) acc = acc / static_cast<double>(c.num_inputs());
    return one(acc);
  };
}

void add_binary_ops(OpTable& t) {
  t["Add"] = binary([](const Tensor& a, const Tensor& b) { return add(a, b); });
  t["Sub"] = binary([](const Tensor& a, const Tensor& b) { return sub(a, b); });
  t["Mul"] = binary([](const Tensor& a, const Tensor& b) { return mul(a, b); });
  t["Div"] = binary([](const Tensor& a, const Tensor& b) { return div(a, b); });
  t["Pow"] = [](const OpContext& c) {
    const Tensor& a = c.input(0);
    Tensor e = c.input(1);
    // an integer base gives the base's type: numpy's pow, truncated toward zero as astype does
    if (!is_floating(a.dtype()))
      return one(to_dtype(pow(as_float(a), to_dtype(e, DType::Float64)), a.dtype()));
    if (e.dtype() != a.dtype()) e = to_dtype(e, a.dtype());  // ONNX allows mixed exponent types
    return one(pow(a, e));
  };
  t["Max"] = variadic([](const Tensor& a, const Tensor& b) { return maximum(a, b); });
  t["Min"] = variadic([](const Tensor& a, const Tensor& b) { return minimum(a, b); });
  t["Sum"] = variadic([](const Tensor& a, const Tensor& b) { return add(a, b); });
  t["Mean"] = variadic([](const Tensor& a, const Tensor& b) { return add(a, b); }, true);
}

void add_unary_ops(OpTable& t) {
  using C = const OpContext&;
  t["Relu"] = unary([](const Tensor& x, C) { return relu(x); });
  t["LeakyRelu"] =
      unary([](const Tensor& x, C c) { return leaky_relu(x, c.attr_float("alpha", 0.01)); });
  t["Sigmoid"] = unary([](const Tensor& x, C) { return sigmoid(x); });
  t["Tanh"] = unary([](const Tensor& x, C) { return tanh(x); });
  t["Exp"] = unary([](const Tensor& x, C) { return exp(x); });
  t["Log"] = unary([](const Tensor& x, C) { return log(x); });
  t["Sqrt"] = unary([](const Tensor& x, C) { return sqrt(x); });
  t["Neg"] = unary_int([](const Tensor& x, C) { return neg(x); });
  t["Abs"] = unary_int([](const Tensor& x, C) { return abs(x); });
  t["Reciprocal"] = unary([](const Tensor& x, C) { return 1.0 / x; });
  t["Erf"] = unary([](const Tensor& x, C) { return erf(x); });
  t["Clip"] = unary_int(clip);
  t["Softsign"] = unary([](const Tensor& x, C) { return x / (abs(x) + 1.0); });
  t["HardSigmoid"] = unary([](const Tensor& x, C c) {
    return clamp(x * c.attr_float("alpha", 0.2) + c.attr_float("beta", 0.5), 0, 1);
  });
  t["Elu"] = unary([](const Tensor& x, C c) {
    const double alpha = c.attr_float("alpha", 1.0);
    return where(gt(x, 0.0), x, (exp(minimum(x, Tensor::zeros_like(x))) - 1.0) * alpha);
  });
}

}  // namespace

void add_math_ops(OpTable& t) {
  add_binary_ops(t);
  add_unary_ops(t);
}

}  // namespace nabla::onnx
