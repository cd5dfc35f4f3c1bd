#include "nabla/optim/clip.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "nabla/autograd/node.hpp"

namespace nabla::optim {

namespace {

// Calls fn(T& element) on every element of a (possibly strided) gradient.
template <class Fn>
void for_each_grad_element(const Tensor& g, Fn&& fn) {
  NABLA_DISPATCH_FLOAT(g.dtype(), T, [&] {
    T* base = g.data<T>();
    if (g.is_contiguous()) {
      const int64_t n = g.numel();
      for (int64_t i = 0; i < n; ++i) fn(base[i]);
    } else {
      for_each_offset(g.shape(), g.strides(), [&](int64_t off) { fn(base[off]); });
    }
  });
}

std::vector<Tensor> grads_of(const std::vector<Tensor>& params, const char* op) {
  std::vector<Tensor> grads;
  for (size_t i = 0; i < params.size(); ++i) {
    NABLA_CHECK(params[i].defined(), op, "parameter ", i, " is an undefined tensor");
    Tensor g = params[i].grad();
    if (!g.defined()) continue;
    NABLA_CHECK(is_floating(g.dtype()), op, "gradient of parameter ", i,
                " must be float32 or float64, got ", dtype_name(g.dtype()));
    grads.push_back(g);
  }
  return grads;
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  const char* op = "clip_grad_norm_";
  NABLA_CHECK(norm_type > 0, op, "norm_type must be > 0 or infinity, got ", norm_type);
  NABLA_CHECK(!std::isnan(max_norm), op, "max_norm is NaN");
  const std::vector<Tensor> grads = grads_of(params, op);
  if (grads.empty()) return 0.0;
  const bool inf_norm = std::isinf(norm_type);
  // Per-gradient norms first, then the norm of those: PyTorch's order of accumulation.
  double total = 0;
  for (const Tensor& g : grads) {
    double acc = 0;
    if (inf_norm) {
      for_each_grad_element(g, [&](auto& v) { acc = std::max(acc, std::abs(double(v))); });
      total = std::max(total, acc);
    } else if (norm_type == 2) {
      for_each_grad_element(g, [&](auto& v) { acc += double(v) * double(v); });
      total += acc;  // sum of squares of per-gradient norms
    } else {
      for_each_grad_element(g, [&](auto& v) { acc += std::pow(std::abs(double(v)), norm_type); });
      total += acc;
    }
  }
  if (!inf_norm) total = norm_type == 2 ? std::sqrt(total) : std::pow(total, 1.0 / norm_type);
  NABLA_CHECK(!error_if_nonfinite || std::isfinite(total), op, "the total norm of order ",
              norm_type, " of the gradients is ", total,
              "; fix the NaN/inf gradients, or pass error_if_nonfinite = false");
  const double coef = std::min(max_norm / (total + 1e-6), 1.0);
  autograd::NoGradGuard no_grad;
  for (const Tensor& g : grads) {
    for_each_grad_element(g, [&](auto& v) {
      using T = std::decay_t<decltype(v)>;
      v = v * T(coef);
    });
  }
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  const char* op = "clip_grad_value_";
  NABLA_CHECK(clip_value >= 0, op, "clip_value must be >= 0, got ", clip_value);
  for (const Tensor& g : grads_of(params, op)) {
    for_each_grad_element(g, [&](auto& v) {
      using T = std::decay_t<decltype(v)>;
      v = std::clamp(v, T(-clip_value), T(clip_value));
    });
  }
}

}  // namespace nabla::optim
