// Losses: see loss.hpp for the formulas and the PyTorch semantics they follow.
//
// The losses computed from logits or probabilities are fused kernels (forward and backward side
// by side below): a per-row log-sum-exp for the cross-entropy family and one closed form per
// element for the binary ones. Each kernel produces the unreduced loss; the reduction is then
// plain differentiable sum/div, so one kernel serves none/mean/sum. The fused kernels have no
// second derivative (their backward is raw loops, not ops).
#include "nabla/ops/loss.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "nabla/autograd/node.hpp"
#include "nabla/core/parallel.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla {

const char* reduction_name(Reduction r) {
  switch (r) {
    case Reduction::None:
      return "none";
    case Reduction::Mean:
      return "mean";
    case Reduction::Sum:
      return "sum";
  }
  return "?";
}

Reduction reduction_from_string(const std::string& s) {
  if (s == "none") return Reduction::None;
  if (s == "mean") return Reduction::Mean;
  if (s == "sum") return Reduction::Sum;
  detail::throw_error("reduction", "expected \"none\", \"mean\" or \"sum\", got \"", s, "\"");
}

namespace {

constexpr int64_t kRowGrain = 64;  // rows of a (M, C) block per parallel chunk

Tensor reduce(const Tensor& l, Reduction r) {
  switch (r) {
    case Reduction::None:
      return l;
    case Reduction::Sum:
      return sum(l);
    case Reduction::Mean:
      return mean(l);
  }
  return l;
}

void check_floating(const Tensor& t, const char* op, const char* what) {
  NABLA_CHECK(t.defined(), op, what, " is an undefined tensor");
  NABLA_CHECK(is_floating(t.dtype()), op, "expected a floating-point ", what, ", got ",
              dtype_name(t.dtype()));
}

// A detached, contiguous copy (or view) in dtype `d`: what the raw kernels read.
Tensor raw(const Tensor& t, DType d) {
  autograd::NoGradGuard ng;
  Tensor r = t.detach();
  if (r.dtype() != d) r = r.to(d);
  return r.is_contiguous() ? r : r.contiguous();
}

// Class weights (C) as a raw tensor of dtype d, or undefined.
Tensor class_weights(const Tensor& w, int64_t C, DType d, const char* op) {
  if (!w.defined()) return Tensor();
  check_floating(w, op, "weight");
  NABLA_CHECK(w.dim() == 1 && w.size(0) == C, op, "expected class weights of shape (", C, ") for ",
              C, " classes, got ", shape_str(w.shape()));
  return raw(w, d);
}

// An element weight broadcast to `shape`, as a raw tensor of dtype d, or undefined.
Tensor element_weights(const Tensor& w, const Shape& shape, DType d, const char* op,
                       const char* what) {
  if (!w.defined()) return Tensor();
  check_floating(w, op, what);
  bool ok = w.dim() <= static_cast<int64_t>(shape.size());
  for (int64_t i = 1; ok && i <= w.dim(); ++i) {
    const int64_t ws = w.shape()[w.dim() - i], s = shape[shape.size() - i];
    ok = ws == 1 || ws == s;
  }
  NABLA_CHECK(ok, op, "expected ", what, " broadcastable to the input's shape ", shape_str(shape),
              ", got ", shape_str(w.shape()));
  autograd::NoGradGuard ng;
  return raw(expand(w.detach(), shape), d);
}

// Moves the class dim (1) last and flattens: (N, C, d1..dk) -> (N*d1*..*dk, C); (C) -> (1, C).
// Differentiable (permute + reshape), so the fused kernels only ever see rows.
Tensor classes_last(const Tensor& x) {
  const int64_t C = x.dim() == 1 ? x.size(0) : x.size(1);
  if (x.dim() <= 2) return reshape(x, {-1, C});
  std::vector<int64_t> perm{0};
  for (int64_t d = 2; d < x.dim(); ++d) perm.push_back(d);
  perm.push_back(1);
  return reshape(contiguous(permute(x, perm)), {-1, C});
}

// The shape a class-index target must have: the input's without the class dim.
Shape index_target_shape(const Tensor& x) {
  Shape s = x.shape();
  if (x.dim() == 1) return {};
  s.erase(s.begin() + 1);
  return s;
}

// Checks class indices (before any parallel loop: exceptions must not cross OpenMP) and
// returns them contiguous. A target equal to ignore_index is allowed whatever its value.
Tensor checked_class_targets(const Tensor& logits, const Tensor& target, int64_t ignore_index,
                             const char* op) {
  const Shape want = index_target_shape(logits);
  NABLA_CHECK(target.shape() == want, op, "expected a class-index target of shape ",
              shape_str(want), " for input of shape ", shape_str(logits.shape()), ", got ",
              shape_str(target.shape()));
  Tensor t = raw(target, DType::Int64);
  const int64_t C = logits.dim() == 1 ? logits.size(0) : logits.size(1);
  const int64_t* pt = t.data<int64_t>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    NABLA_CHECK(pt[i] == ignore_index || (pt[i] >= 0 && pt[i] < C), op, "target class ", pt[i],
                " at flat position ", i, " is out of range [0, ", C, ") and is not ignore_index (",
                ignore_index, ")");
  }
  return t;
}

void check_logits(const Tensor& x, const char* op) {
  check_floating(x, op, "input");
  NABLA_CHECK(x.dim() >= 1, op,
              "expected input of shape (C), (N, C) or (N, C, d1, ...), got a scalar");
  NABLA_CHECK(x.numel() > 0 || x.dim() >= 2, op, "expected at least one class, got input ",
              shape_str(x.shape()));
}

// ---------------------------------------------------------------------------------------------
// Cross-entropy with class indices. x: (M, C) logits, row-major; t: (M) int64; w: (C) or null.
// Per row: logp = x - lse(x); loss = (1-eps) w[t] (-logp[t]) + eps/C sum_j w_j (-logp[j]),
// 0 for ignored rows. Writes loss (M), lse (M) for the backward, and returns sum of w[t] over
// the kept rows (the denominator of the weighted mean).
template <class T>
double ce_index_forward(const T* x, const int64_t* t, const T* w, int64_t M, int64_t C,
                        int64_t ignore, double eps, T* loss, double* lse) {
  std::vector<double> wsum_part(M);
  parallel_for(0, M, kRowGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const T* xi = x + i * C;
      double m = -INFINITY;
      for (int64_t j = 0; j < C; ++j) m = std::max(m, double(xi[j]));
      double s = 0;
      for (int64_t j = 0; j < C; ++j) s += std::exp(double(xi[j]) - m);
      const double l = m + std::log(s);
      lse[i] = l;
      if (t[i] == ignore) {
        loss[i] = 0;
        wsum_part[i] = 0;
        continue;
      }
      const double wt = w ? double(w[t[i]]) : 1.0;
      double smooth = 0;
      if (eps > 0)
        for (int64_t j = 0; j < C; ++j) smooth += (w ? double(w[j]) : 1.0) * (l - double(xi[j]));
      loss[i] = T((1 - eps) * wt * (l - double(xi[t[i]])) + eps / double(C) * smooth);
      wsum_part[i] = wt;
    }
  });
  double wsum = 0;
  for (double v : wsum_part) wsum += v;
  return wsum;
}

// d loss_i / d x_ij = g_i [(1-eps) w[t] (p_j - [j == t]) + eps/C (W p_j - w_j)], W = sum_k w_k.
template <class T>
void ce_index_backward(const T* x, const int64_t* t, const T* w, const double* lse, const T* g,
                       int64_t M, int64_t C, int64_t ignore, double eps, T* dx) {
  double W = double(C);
  if (w) {
    W = 0;
    for (int64_t j = 0; j < C; ++j) W += double(w[j]);
  }
  parallel_for(0, M, kRowGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      T* di = dx + i * C;
      if (t[i] == ignore) {
        std::fill(di, di + C, T(0));
        continue;
      }
      const T* xi = x + i * C;
      const double gi = double(g[i]), wt = w ? double(w[t[i]]) : 1.0;
      for (int64_t j = 0; j < C; ++j) {
        const double p = std::exp(double(xi[j]) - lse[i]);
        const double wj = w ? double(w[j]) : 1.0;
        double d = (1 - eps) * wt * (p - (j == t[i] ? 1.0 : 0.0));
        if (eps > 0) d += eps / double(C) * (W * p - wj);
        di[j] = T(gi * d);
      }
    }
  });
}

// Cross-entropy with class probabilities. x, y: (M, C); y' = (1-eps) y + eps/C;
// loss_i = -sum_j w_j y'_ij logp_ij.  dx_ij = g_i (p_ij S_i - w_j y'_ij), S_i = sum_k w_k y'_ik;
// dy_ij = -g_i (1-eps) w_j logp_ij.
template <class T>
void ce_prob_forward(const T* x, const T* y, const T* w, int64_t M, int64_t C, double eps, T* loss,
                     double* lse) {
  parallel_for(0, M, kRowGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const T* xi = x + i * C;
      const T* yi = y + i * C;
      double m = -INFINITY;
      for (int64_t j = 0; j < C; ++j) m = std::max(m, double(xi[j]));
      double s = 0;
      for (int64_t j = 0; j < C; ++j) s += std::exp(double(xi[j]) - m);
      const double l = m + std::log(s);
      lse[i] = l;
      double acc = 0;
      for (int64_t j = 0; j < C; ++j) {
        const double yj = (1 - eps) * double(yi[j]) + eps / double(C);
        acc += (w ? double(w[j]) : 1.0) * yj * (l - double(xi[j]));
      }
      loss[i] = T(acc);
    }
  });
}

template <class T>
void ce_prob_backward(const T* x, const T* y, const T* w, const double* lse, const T* g, int64_t M,
                      int64_t C, double eps, T* dx, T* dy) {
  parallel_for(0, M, kRowGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const T* xi = x + i * C;
      const T* yi = y + i * C;
      const double gi = double(g[i]), li = lse[i];
      double S = 0;
      for (int64_t j = 0; j < C; ++j)
        S += (w ? double(w[j]) : 1.0) * ((1 - eps) * double(yi[j]) + eps / double(C));
      for (int64_t j = 0; j < C; ++j) {
        const double wj = w ? double(w[j]) : 1.0;
        const double logp = double(xi[j]) - li;
        if (dx) {
          const double yj = (1 - eps) * double(yi[j]) + eps / double(C);
          dx[i * C + j] = T(gi * (std::exp(logp) * S - wj * yj));
        }
        if (dy) dy[i * C + j] = T(-gi * (1 - eps) * wj * logp);
      }
    }
  });
}

// Cross-entropy from already-flattened rows; `tshape` is the shape of the unreduced loss.
Tensor cross_entropy_index(const Tensor& rows, const Tensor& t, const Tensor& w,
                           const CrossEntropyOptions& o, const Shape& tshape) {
  const int64_t M = rows.size(0), C = rows.size(1);
  const DType dt = rows.dtype();
  Tensor x = raw(rows, dt);
  Tensor loss = Tensor::empty({M}, dt), lse = Tensor::empty({M}, DType::Float64);
  const int64_t ignore = o.ignore_index;
  const double eps = o.label_smoothing;
  double wsum = 0;
  NABLA_DISPATCH_FLOAT(dt, T, [&] {
    wsum = ce_index_forward<T>(x.data<T>(), t.data<int64_t>(), w.defined() ? w.data<T>() : nullptr,
                               M, C, ignore, eps, loss.data<T>(), lse.data<double>());
  });
  loss = autograd::record(
      "cross_entropy", loss, {rows}, [x, t, w, lse, ignore, eps, M, C](const Tensor& g) {
        Tensor gc = raw(g, x.dtype());
        Tensor dx = Tensor::empty({M, C}, x.dtype());
        NABLA_DISPATCH_FLOAT(x.dtype(), T, [&] {
          ce_index_backward<T>(x.data<T>(), t.data<int64_t>(), w.defined() ? w.data<T>() : nullptr,
                               lse.data<double>(), gc.data<T>(), M, C, ignore, eps, dx.data<T>());
        });
        return std::vector<Tensor>{dx};
      });
  loss = reshape(loss, tshape);
  if (o.reduction == Reduction::Mean)
    return sum(loss) / wsum;  // 0/0 = nan when all ignored, as torch
  return reduce(loss, o.reduction);
}

Tensor cross_entropy_prob(const Tensor& rows, const Tensor& trows, const Tensor& w,
                          const CrossEntropyOptions& o, const Shape& lshape) {
  const int64_t M = rows.size(0), C = rows.size(1);
  const DType dt = rows.dtype();
  Tensor x = raw(rows, dt), y = raw(trows, dt);
  Tensor loss = Tensor::empty({M}, dt), lse = Tensor::empty({M}, DType::Float64);
  const double eps = o.label_smoothing;
  NABLA_DISPATCH_FLOAT(dt, T, [&] {
    ce_prob_forward<T>(x.data<T>(), y.data<T>(), w.defined() ? w.data<T>() : nullptr, M, C, eps,
                       loss.data<T>(), lse.data<double>());
  });
  const bool need_dx = rows.requires_grad(), need_dy = trows.requires_grad();
  loss = autograd::record(
      "cross_entropy", loss, {rows, trows},
      [x, y, w, lse, eps, M, C, need_dx, need_dy](const Tensor& g) {
        Tensor gc = raw(g, x.dtype());
        Tensor dx = need_dx ? Tensor::empty({M, C}, x.dtype()) : Tensor();
        Tensor dy = need_dy ? Tensor::empty({M, C}, x.dtype()) : Tensor();
        NABLA_DISPATCH_FLOAT(x.dtype(), T, [&] {
          ce_prob_backward<T>(x.data<T>(), y.data<T>(), w.defined() ? w.data<T>() : nullptr,
                              lse.data<double>(), gc.data<T>(), M, C, eps,
                              need_dx ? dx.data<T>() : nullptr, need_dy ? dy.data<T>() : nullptr);
        });
        return std::vector<Tensor>{dx, dy};
      });
  loss = reshape(loss, lshape);
  return reduce(loss, o.reduction);  // torch: mean over the N*d1..dk rows, weights or not
}

// ---------------------------------------------------------------------------------------------
// NLL. x: (M, C) log-probabilities; loss_i = -w[t_i] x[i, t_i] (0 if ignored);
// d loss_i / d x[i, t_i] = -g_i w[t_i], zero elsewhere.
template <class T>
double nll_forward(const T* x, const int64_t* t, const T* w, int64_t M, int64_t C, int64_t ignore,
                   T* loss) {
  double wsum = 0;
  for (int64_t i = 0; i < M; ++i) {
    if (t[i] == ignore) {
      loss[i] = 0;
      continue;
    }
    const double wt = w ? double(w[t[i]]) : 1.0;
    loss[i] = T(-wt * double(x[i * C + t[i]]));
    wsum += wt;
  }
  return wsum;
}

template <class T>
void nll_backward(const int64_t* t, const T* w, const T* g, int64_t M, int64_t C, int64_t ignore,
                  T* dx) {
  std::fill(dx, dx + M * C, T(0));
  for (int64_t i = 0; i < M; ++i) {
    if (t[i] == ignore) continue;
    dx[i * C + t[i]] = T(-double(g[i]) * (w ? double(w[t[i]]) : 1.0));
  }
}

// ---------------------------------------------------------------------------------------------
// Binary cross-entropy on probabilities, elementwise over n: p, y, w (or null) of one shape.
// loss = -w (y max(log p, -100) + (1-y) max(log(1-p), -100))
// dp = g w (p - y) / max(p (1-p), 1e-12);  dy = g w (max(log(1-p), -100) - max(log p, -100))
template <class T>
void bce_forward(const T* p, const T* y, const T* w, int64_t n, T* loss) {
  parallel_for(0, n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const double lp = std::max(std::log(double(p[i])), -100.0);
      const double l1p = std::max(std::log1p(-double(p[i])), -100.0);
      const double l = -(double(y[i]) * lp + (1 - double(y[i])) * l1p);
      loss[i] = T(w ? double(w[i]) * l : l);
    }
  });
}

template <class T>
void bce_backward(const T* p, const T* y, const T* w, const T* g, int64_t n, T* dp, T* dy) {
  // torch's EPSILON is the float 1e-12 (9.99999996e-13); the same constant keeps the huge
  // gradients at p = 0 or 1 bit-comparable with its fixtures
  constexpr double kEps = double(1e-12f);
  parallel_for(0, n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const double pi = double(p[i]), gw = double(g[i]) * (w ? double(w[i]) : 1.0);
      if (dp) dp[i] = T(gw * (pi - double(y[i])) / std::max((1 - pi) * pi, kEps));
      if (dy) {
        const double lp = std::max(std::log(pi), -100.0), l1p = std::max(std::log1p(-pi), -100.0);
        dy[i] = T(gw * (l1p - lp));
      }
    }
  });
}

// Binary cross-entropy with logits, elementwise: lw = 1 + (pw - 1) y, sp = softplus(-x)
// = max(-x, 0) + log1p(exp(-|x|)).  loss = w ((1-y) x + lw sp);
// dx = g w ((1-y) - lw sigmoid(-x));  dy = g w (-x + (pw - 1) sp).
template <class T>
inline double softplus_neg(T x) {
  const double xd = double(x);
  return std::max(-xd, 0.0) + std::log1p(std::exp(-std::abs(xd)));
}

template <class T>
void bce_logits_forward(const T* x, const T* y, const T* w, const T* pw, int64_t n, T* loss) {
  parallel_for(0, n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const double yi = double(y[i]), lw = pw ? 1 + (double(pw[i]) - 1) * yi : 1.0;
      const double l = (1 - yi) * double(x[i]) + lw * softplus_neg(x[i]);
      loss[i] = T(w ? double(w[i]) * l : l);
    }
  });
}

template <class T>
void bce_logits_backward(const T* x, const T* y, const T* w, const T* pw, const T* g, int64_t n,
                         T* dx, T* dy) {
  parallel_for(0, n, 1 << 14, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const double xi = double(x[i]), yi = double(y[i]);
      const double gw = double(g[i]) * (w ? double(w[i]) : 1.0);
      const double pwm1 = pw ? double(pw[i]) - 1 : 0.0;
      if (dx) {
        // sigmoid(-x) without overflow on either side
        const double sn = xi >= 0 ? std::exp(-xi) / (1 + std::exp(-xi)) : 1 / (1 + std::exp(xi));
        dx[i] = T(gw * ((1 - yi) - (1 + pwm1 * yi) * sn));
      }
      if (dy) dy[i] = T(gw * (-xi + pwm1 * softplus_neg(x[i])));
    }
  });
}

// Shared checks of the element-wise binary losses; returns the target in the input's dtype.
Tensor checked_elementwise_target(const Tensor& input, const Tensor& target, const char* op) {
  check_floating(input, op, "input");
  check_floating(target, op, "target");
  NABLA_CHECK(input.shape() == target.shape(), op, "expected target of the input's shape ",
              shape_str(input.shape()), ", got ", shape_str(target.shape()));
  return target.dtype() == input.dtype() ? target : to_dtype(target, input.dtype());
}

template <class T>
const T* ptr_or_null(const Tensor& t) {
  return t.defined() ? t.data<T>() : nullptr;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  const char* op = "mse_loss";
  Tensor y = checked_elementwise_target(input, target, op);
  Tensor d = input - y;
  return reduce(d * d, reduction);
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, const CrossEntropyOptions& o) {
  const char* op = "cross_entropy";
  check_logits(logits, op);
  NABLA_CHECK(target.defined(), op, "target is an undefined tensor");
  NABLA_CHECK(o.label_smoothing >= 0 && o.label_smoothing <= 1, op,
              "expected label_smoothing in [0, 1], got ", o.label_smoothing);
  const int64_t C = logits.dim() == 1 ? logits.size(0) : logits.size(1);
  Tensor w = class_weights(o.weight, C, logits.dtype(), op);
  Tensor rows = classes_last(logits);
  if (target.dtype() == DType::Int64) {
    Tensor t = checked_class_targets(logits, target, o.ignore_index, op);
    return cross_entropy_index(rows, t, w, o, index_target_shape(logits));
  }
  NABLA_CHECK(
      target.shape() == logits.shape(), op, "expected an int64 class-index target of shape ",
      shape_str(index_target_shape(logits)),
      " or a floating class-probability target of the input's shape ", shape_str(logits.shape()),
      ", got ", dtype_name(target.dtype()), " ", shape_str(target.shape()));
  NABLA_CHECK(o.ignore_index < 0, op, "ignore_index (", o.ignore_index,
              ") is not supported with class-probability targets; use a negative value");
  Tensor y = target.dtype() == logits.dtype() ? target : to_dtype(target, logits.dtype());
  return cross_entropy_prob(rows, classes_last(y), w, o, index_target_shape(logits));
}

Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const NllLossOptions& o) {
  const char* op = "nll_loss";
  check_logits(log_probs, op);
  NABLA_CHECK(target.defined() && target.dtype() == DType::Int64, op,
              "expected an int64 class-index target, got ",
              target.defined() ? dtype_name(target.dtype()) : "undefined");
  const int64_t C = log_probs.dim() == 1 ? log_probs.size(0) : log_probs.size(1);
  const DType dt = log_probs.dtype();
  Tensor w = class_weights(o.weight, C, dt, op);
  Tensor t = checked_class_targets(log_probs, target, o.ignore_index, op);
  Tensor rows = classes_last(log_probs);
  const int64_t M = rows.size(0);
  const int64_t ignore = o.ignore_index;
  Tensor x = raw(rows, dt);
  Tensor loss = Tensor::empty({M}, dt);
  double wsum = 0;
  NABLA_DISPATCH_FLOAT(dt, T, [&] {
    wsum = nll_forward<T>(x.data<T>(), t.data<int64_t>(), ptr_or_null<T>(w), M, C, ignore,
                          loss.data<T>());
  });
  loss = autograd::record("nll_loss", loss, {rows}, [t, w, ignore, M, C, dt](const Tensor& g) {
    Tensor gc = raw(g, dt);
    Tensor dx = Tensor::empty({M, C}, dt);
    NABLA_DISPATCH_FLOAT(dt, T, [&] {
      nll_backward<T>(t.data<int64_t>(), ptr_or_null<T>(w), gc.data<T>(), M, C, ignore,
                      dx.data<T>());
    });
    return std::vector<Tensor>{dx};
  });
  loss = reshape(loss, index_target_shape(log_probs));
  if (o.reduction == Reduction::Mean) return sum(loss) / wsum;
  return reduce(loss, o.reduction);
}

Tensor binary_cross_entropy(const Tensor& probs, const Tensor& target, const BceOptions& o) {
  const char* op = "binary_cross_entropy";
  Tensor yt = checked_elementwise_target(probs, target, op);
  const DType dt = probs.dtype();
  Tensor p = raw(probs, dt), y = raw(yt, dt);
  Tensor w = element_weights(o.weight, probs.shape(), dt, op, "weight");
  const int64_t n = p.numel();
  NABLA_DISPATCH_FLOAT(dt, T, [&] {
    const T* pp = p.data<T>();
    for (int64_t i = 0; i < n; ++i)
      NABLA_CHECK(pp[i] >= 0 && pp[i] <= 1, op, "expected probabilities in [0, 1], got ",
                  double(pp[i]), " at flat position ", i,
                  "; for logits use binary_cross_entropy_with_logits");
  });
  Tensor loss = Tensor::empty(probs.shape(), dt);
  NABLA_DISPATCH_FLOAT(dt, T, [&] {
    bce_forward<T>(p.data<T>(), y.data<T>(), ptr_or_null<T>(w), n, loss.data<T>());
  });
  const bool need_dp = probs.requires_grad(), need_dy = yt.requires_grad();
  loss = autograd::record(op, loss, {probs, yt}, [p, y, w, n, need_dp, need_dy](const Tensor& g) {
    Tensor gc = raw(g, p.dtype());
    Tensor dp = need_dp ? Tensor::empty(p.shape(), p.dtype()) : Tensor();
    Tensor dy = need_dy ? Tensor::empty(p.shape(), p.dtype()) : Tensor();
    NABLA_DISPATCH_FLOAT(p.dtype(), T, [&] {
      bce_backward<T>(p.data<T>(), y.data<T>(), ptr_or_null<T>(w), gc.data<T>(), n,
                      need_dp ? dp.data<T>() : nullptr, need_dy ? dy.data<T>() : nullptr);
    });
    return std::vector<Tensor>{dp, dy};
  });
  return reduce(loss, o.reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& logits, const Tensor& target,
                                        const BceWithLogitsOptions& o) {
  const char* op = "binary_cross_entropy_with_logits";
  Tensor yt = checked_elementwise_target(logits, target, op);
  const DType dt = logits.dtype();
  Tensor x = raw(logits, dt), y = raw(yt, dt);
  Tensor w = element_weights(o.weight, logits.shape(), dt, op, "weight");
  Tensor pw = element_weights(o.pos_weight, logits.shape(), dt, op, "pos_weight");
  const int64_t n = x.numel();
  Tensor loss = Tensor::empty(logits.shape(), dt);
  NABLA_DISPATCH_FLOAT(dt, T, [&] {
    bce_logits_forward<T>(x.data<T>(), y.data<T>(), ptr_or_null<T>(w), ptr_or_null<T>(pw), n,
                          loss.data<T>());
  });
  const bool need_dx = logits.requires_grad(), need_dy = yt.requires_grad();
  loss =
      autograd::record(op, loss, {logits, yt}, [x, y, w, pw, n, need_dx, need_dy](const Tensor& g) {
        Tensor gc = raw(g, x.dtype());
        Tensor dx = need_dx ? Tensor::empty(x.shape(), x.dtype()) : Tensor();
        Tensor dy = need_dy ? Tensor::empty(x.shape(), x.dtype()) : Tensor();
        NABLA_DISPATCH_FLOAT(x.dtype(), T, [&] {
          bce_logits_backward<T>(x.data<T>(), y.data<T>(), ptr_or_null<T>(w), ptr_or_null<T>(pw),
                                 gc.data<T>(), n, need_dx ? dx.data<T>() : nullptr,
                                 need_dy ? dy.data<T>() : nullptr);
        });
        return std::vector<Tensor>{dx, dy};
      });
  return reduce(loss, o.reduction);
}

}  // namespace nabla
