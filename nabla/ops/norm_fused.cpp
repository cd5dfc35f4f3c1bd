// Fused batch norm: one pass for the statistics, one for the output, and a two-pass backward,
// per channel, instead of the ~8 elementwise/reduction passes (and graph nodes) of the composite
// batch_norm_reference, which it is tested against.
//
// Layout: x (N, C, S...) contiguous, viewed as (N, C, S) with S = prod of the spatial dims
// (S = 1 for (N, C)). Statistics are per channel c over the N*S values x[n, c, s].
//   training: mean_c, var_c (biased) of the batch; xhat = (x - mean_c) / sqrt(var_c + eps)
//   eval:     mean_c, var_c = running statistics
//   y = xhat * w_c + b_c
// Sums accumulate in double; `omp simd reduction` lets them vectorise (reassociation of a
// double sum changes results only in the last bits, and not with the thread count).
// Backward (M = N*S, g = dy):
//   db_c = sum g,  dw_c = sum g * xhat
//   training: dx = w_c * invstd_c * (g - db_c / M - xhat * dw_c / M)
//   eval:     dx = w_c * invstd_c * g
#include "nabla/ops/norm_fused.hpp"

#include <cmath>
#include <memory>
#include <vector>

#include "nabla/autograd/node.hpp"
#include "nabla/core/parallel.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla::detail {
namespace {

struct BnShape {
  int64_t n, c, s;
};

// Per-channel values of an optional (C) parameter as doubles (1 / 0 when undefined).
std::vector<double> channel_values(const Tensor& t, int64_t c, double fallback) {
  if (!t.defined()) return std::vector<double>(c, fallback);
  return t.to_vector<double>();
}

// mean_c and biased var_c over (N, S), accumulated in double (two passes: no cancellation).
template <class T>
void channel_stats(const T* x, const BnShape& sh, std::vector<double>& mean,
                   std::vector<double>& var) {
  const int64_t m = sh.n * sh.s;
  parallel_for(0, sh.c, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      double sum = 0;
      for (int64_t i = 0; i < sh.n; ++i) {
        const T* p = x + (i * sh.c + c) * sh.s;
        _Pragma("omp simd reduction(+ : sum)") for (int64_t j = 0; j < sh.s; ++j) sum += p[j];
      }
      const double mu = sum / m;
      double sq = 0;
      for (int64_t i = 0; i < sh.n; ++i) {
        const T* p = x + (i * sh.c + c) * sh.s;
        _Pragma("omp simd reduction(+ : sq)") for (int64_t j = 0; j < sh.s; ++j) {
          const double d = p[j] - mu;
          sq += d * d;
        }
      }
      mean[c] = mu;
      var[c] = sq / m;
    }
  });
}

// y = (x - mean_c) * invstd_c * w_c + b_c, as y = x * scale_c + shift_c.
template <class T>
void bn_apply(const T* x, T* y, const BnShape& sh, const std::vector<double>& mean,
              const std::vector<double>& invstd, const std::vector<double>& w,
              const std::vector<double>& b) {
  parallel_for(0, sh.n * sh.c, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, sh.s)),
               [&](int64_t r0, int64_t r1) {
                 for (int64_t r = r0; r < r1; ++r) {
                   const int64_t c = r % sh.c;
                   const T scale = static_cast<T>(invstd[c] * w[c]);
                   const T shift = static_cast<T>(b[c] - mean[c] * invstd[c] * w[c]);
                   const T* p = x + r * sh.s;
                   T* q = y + r * sh.s;
                   for (int64_t j = 0; j < sh.s; ++j) q[j] = p[j] * scale + shift;
                 }
               });
}

// dx, dw, db of batch norm, one channel per task: dw = sum g xhat, db = sum g, and in training
// dx = k (g - sg/M - xhat sgx/M) with k = w invstd (in eval mode the statistics are constants,
// so dx = k g).
template <class T>
void bn_backward(const T* x, const T* g, T* d, const BnShape& sh, const std::vector<double>& mean,
                 const std::vector<double>& invstd, const std::vector<double>& w, bool training,
                 std::vector<double>& dw, std::vector<double>& db) {
  const int64_t cc = sh.c;
  const int64_t mm = sh.n * sh.s;
  parallel_for(0, cc, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t ch = c0; ch < c1; ++ch) {
      const double mu = mean[ch], is = invstd[ch];
      double sg = 0, sgx = 0;
      for (int64_t i = 0; i < sh.n; ++i) {
        const int64_t o = (i * cc + ch) * sh.s;
        _Pragma("omp simd reduction(+ : sg, sgx)") for (int64_t j = 0; j < sh.s; ++j) {
          sg += g[o + j];
          sgx += g[o + j] * (x[o + j] - mu);
        }
      }
      sgx *= is;  // sum g * xhat
      db[ch] = sg;
      dw[ch] = sgx;
      const double k = w[ch] * is;
      // training: dx = k (g - sg/M - xhat sgx/M) = k g - k sg/M - (x - mu) k is sgx/M
      const double a = training ? k * sg / mm : 0.0;
      const double bcoef = training ? k * is * sgx / mm : 0.0;
      for (int64_t i = 0; i < sh.n; ++i) {
        const int64_t o = (i * cc + ch) * sh.s;
        for (int64_t j = 0; j < sh.s; ++j) {
          d[o + j] = static_cast<T>(k * g[o + j] - a - (x[o + j] - mu) * bcoef);
        }
      }
    }
  });
}

}  // namespace

Tensor batch_norm_fused(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                        const Tensor& weight, const Tensor& bias, bool training, double momentum,
                        double eps) {
  const int64_t c = x.size(1);
  BnShape sh{x.size(0), c, 1};
  for (int64_t d = 2; d < x.dim(); ++d) sh.s *= x.size(d);
  const int64_t m = sh.n * sh.s;

  auto mean = std::make_shared<std::vector<double>>(c);
  auto invstd = std::make_shared<std::vector<double>>(c);
  Tensor xc = x.contiguous();
  if (training) {
    std::vector<double> var(c);
    NABLA_DISPATCH_FLOAT(x.dtype(), T, [&] { channel_stats(xc.data<T>(), sh, *mean, var); });
    for (int64_t i = 0; i < c; ++i) (*invstd)[i] = 1.0 / std::sqrt(var[i] + eps);
    if (running_mean.defined()) {
      // Outside the graph; the running variance is the unbiased estimate, as PyTorch keeps it.
      autograd::NoGradGuard guard;
      const double unbias = static_cast<double>(m) / (m - 1);
      std::vector<double> rm = running_mean.to_vector<double>();
      std::vector<double> rv = running_var.to_vector<double>();
      for (int64_t i = 0; i < c; ++i) {
        rm[i] = (1 - momentum) * rm[i] + momentum * (*mean)[i];
        rv[i] = (1 - momentum) * rv[i] + momentum * var[i] * unbias;
      }
      Tensor(running_mean).copy_(Tensor::from_vector(rm, {c}));
      Tensor(running_var).copy_(Tensor::from_vector(rv, {c}));
    }
  } else {
    *mean = running_mean.to_vector<double>();
    std::vector<double> rv = running_var.to_vector<double>();
    for (int64_t i = 0; i < c; ++i) (*invstd)[i] = 1.0 / std::sqrt(rv[i] + eps);
  }

  const std::vector<double> w = channel_values(weight, c, 1.0);
  const std::vector<double> b = channel_values(bias, c, 0.0);
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  NABLA_DISPATCH_FLOAT(x.dtype(), T,
                       [&] { bn_apply(xc.data<T>(), out.data<T>(), sh, *mean, *invstd, w, b); });

  return autograd::record(
      "batch_norm", out, {x, weight, bias},
      [xc, weight, bias, mean, invstd, sh, training](const Tensor& gy_in) {
        const int64_t cc = sh.c;
        Tensor gy = gy_in.contiguous();
        const std::vector<double> w = channel_values(weight, cc, 1.0);
        std::vector<double> dw(cc), db(cc);
        Tensor dx = Tensor::empty(xc.shape(), xc.dtype());
        NABLA_DISPATCH_FLOAT(xc.dtype(), T, [&] {
          const T* x = xc.data<T>();
          const T* g = gy.data<T>();
          T* d = dx.data<T>();
          bn_backward(x, g, d, sh, *mean, *invstd, w, training, dw, db);
        });
        Tensor dwt, dbt;
        if (weight.defined() && weight.requires_grad()) {
          dwt = Tensor::empty({cc}, xc.dtype()).copy_(Tensor::from_vector(dw, {cc}));
        }
        if (bias.defined() && bias.requires_grad()) {
          dbt = Tensor::empty({cc}, xc.dtype()).copy_(Tensor::from_vector(db, {cc}));
        }
        return std::vector<Tensor>{dx, dwt, dbt};
      });
}

// ---- row normalisation (layer, group and instance norm) ----
//
// x: R rows of L contiguous values; row r is normalised with its own mean/invstd, then
// y = xhat * w[p] + b[p] with p = (r % G) * Q + i / S, Q = L / S (see norm_fused.hpp).
// Backward, per row (g' = dy * w[p]):
//   dx = invstd * (g' - mean(g') - xhat * mean(g' xhat))
//   dw[p] = sum over the (row, i) that map to p of dy * xhat, db[p] = sum of dy.

namespace {

struct RowShape {
  int64_t rows, len, groups, inner;
  int64_t per_group() const { return len / inner; }  // Q
  int64_t params() const { return groups * per_group(); }
};

template <class T>
void row_stats(const T* x, const RowShape& sh, std::vector<double>& mean,
               std::vector<double>& var) {
  parallel_for(0, sh.rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, sh.len)),
               [&](int64_t r0, int64_t r1) {
                 for (int64_t r = r0; r < r1; ++r) {
                   const T* p = x + r * sh.len;
                   double sum = 0;
                   _Pragma("omp simd reduction(+ : sum)") for (int64_t i = 0; i < sh.len; ++i)
                       sum += p[i];
                   const double mu = sum / sh.len;
                   double sq = 0;
                   _Pragma("omp simd reduction(+ : sq)") for (int64_t i = 0; i < sh.len; ++i) {
                     const double d = p[i] - mu;
                     sq += d * d;
                   }
                   mean[r] = mu;
                   var[r] = sq / sh.len;
                 }
               });
}

std::vector<double> param_values(const Tensor& t, int64_t n, double fallback) {
  if (!t.defined()) return std::vector<double>(n, fallback);
  return t.to_vector<double>();
}

}  // namespace

namespace {

// y = xhat * w[p] + b[p] for every row.
template <class T>
void row_norm_apply(const T* xp, T* yp, const RowShape& sh, const std::vector<double>& mean,
                    const std::vector<double>& invstd, const std::vector<double>& w,
                    const std::vector<double>& b) {
  const int64_t q_count = sh.per_group();
  const std::vector<T> wt(w.begin(), w.end()), bt(b.begin(), b.end());
  parallel_for(0, sh.rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(1, sh.len)),
               [&](int64_t r0, int64_t r1) {
                 for (int64_t r = r0; r < r1; ++r) {
                   const double mu = mean[r], is = invstd[r];
                   const int64_t p0 = (r % sh.groups) * q_count;
                   const T* xr = xp + r * sh.len;
                   T* yr = yp + r * sh.len;
                   if (sh.inner == 1) {
                     // layer norm: one parameter per element
                     const T m = static_cast<T>(mu), sc = static_cast<T>(is);
                     for (int64_t i = 0; i < sh.len; ++i)
                       yr[i] = (xr[i] - m) * sc * wt[p0 + i] + bt[p0 + i];
                     continue;
                   }
                   for (int64_t q = 0; q < q_count; ++q) {
                     const T scale = static_cast<T>(is * w[p0 + q]);
                     const T shift = static_cast<T>(b[p0 + q] - mu * is * w[p0 + q]);
                     for (int64_t s = 0; s < sh.inner; ++s) {
                       const int64_t i = q * sh.inner + s;
                       yr[i] = xr[i] * scale + shift;
                     }
                   }
                 }
               });
}

// dx, per row: invstd * (g' - mean(g') - xhat * mean(g' xhat)), g' = dy * w[p].
template <class T>
void row_norm_dx(const T* xp, const T* gp, T* dp, const RowShape& sh,
                 const std::vector<double>& mean, const std::vector<double>& invstd,
                 const std::vector<double>& w) {
  const int64_t q_count = sh.per_group();
  parallel_for(
      0, sh.rows, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, sh.len)),
      [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const double mu = mean[r], is = invstd[r];
          const int64_t p0 = (r % sh.groups) * q_count;
          const T* xr = xp + r * sh.len;
          const T* gr = gp + r * sh.len;
          T* dr = dp + r * sh.len;
          double a = 0, bsum = 0;  // sum g', sum g' xhat
          if (sh.inner == 1) {     // layer norm: one parameter per element
            const double* wr = w.data() + p0;
            _Pragma("omp simd reduction(+ : a, bsum)") for (int64_t i = 0; i < sh.len; ++i) {
              const double g = gr[i] * wr[i];
              a += g;
              bsum += g * (xr[i] - mu);
            }
            bsum *= is;
            const double am = a / sh.len, bm = bsum / sh.len;
            _Pragma("omp simd") for (int64_t i = 0; i < sh.len; ++i) {
              dr[i] = static_cast<T>(is * (gr[i] * wr[i] - am - (xr[i] - mu) * is * bm));
            }
            continue;
          }
          for (int64_t q = 0; q < q_count; ++q) {
            const double wq = w[p0 + q];
            _Pragma("omp simd reduction(+ : a, bsum)") for (int64_t s = 0; s < sh.inner; ++s) {
              const int64_t i = q * sh.inner + s;
              const double g = gr[i] * wq;
              a += g;
              bsum += g * (xr[i] - mu) * is;
            }
          }
          const double am = a / sh.len, bm = bsum / sh.len;
          for (int64_t q = 0; q < q_count; ++q) {
            const double wq = w[p0 + q];
            for (int64_t s = 0; s < sh.inner; ++s) {
              const int64_t i = q * sh.inner + s;
              const double xhat = (xr[i] - mu) * is;
              dr[i] = static_cast<T>(is * (gr[i] * wq - am - xhat * bm));
            }
          }
        }
      });
}

// dw[p], db[p]: sums of dy * xhat and dy over the (row, i) that map to p.
template <class T>
void row_norm_dparams(const T* xp, const T* gp, const RowShape& sh, const std::vector<double>& mean,
                      const std::vector<double>& invstd, std::vector<double>& dw,
                      std::vector<double>& db) {
  const int64_t np = sh.params();
  const int64_t q_count = sh.per_group();
  // Each parameter p is owned by one chunk, so the sums need no atomics; samples (rows of
  // the same group) are the outer loop so a chunk walks memory forwards.
  const int64_t samples = sh.rows / sh.groups;
  parallel_for(0, np, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, sh.inner * samples)),
               [&](int64_t p0, int64_t p1) {
                 if (sh.groups == 1 && sh.inner == 1) {  // layer norm: p is the element index
                   for (int64_t n = 0; n < samples; ++n) {
                     const double mu = mean[n], is = invstd[n];
                     const T* gr = gp + n * sh.len;
                     const T* xr = xp + n * sh.len;
                     _Pragma("omp simd") for (int64_t p = p0; p < p1; ++p) {
                       dw[p] += gr[p] * (xr[p] - mu) * is;
                       db[p] += gr[p];
                     }
                   }
                   return;
                 }
                 for (int64_t n = 0; n < samples; ++n) {
                   // walk p = gi * Q + q without a division per element
                   int64_t gi = p0 / q_count, q = p0 % q_count;
                   for (int64_t p = p0; p < p1; ++p) {
                     const int64_t r = n * sh.groups + gi;
                     const double mu = mean[r], is = invstd[r];
                     const int64_t base = r * sh.len + q * sh.inner;
                     double sw = 0, sb = 0;
                     _Pragma("omp simd reduction(+ : sw, sb)") for (int64_t s = 0; s < sh.inner;
                                                                    ++s) {
                       const double g = gp[base + s];
                       sb += g;
                       sw += g * (xp[base + s] - mu) * is;
                     }
                     dw[p] += sw;
                     db[p] += sb;
                     if (++q == q_count) {
                       q = 0;
                       ++gi;
                     }
                   }
                 }
               });
}

}  // namespace

Tensor row_norm_fused(const char* op, const Tensor& x, int64_t rows, int64_t row_len,
                      int64_t groups, int64_t inner, const Tensor& weight, const Tensor& bias,
                      double eps, std::vector<double>* mean_out, std::vector<double>* var_out) {
  const RowShape sh{rows, row_len, groups, inner};
  Tensor xc = x.contiguous();
  auto mean = std::make_shared<std::vector<double>>(rows);
  auto invstd = std::make_shared<std::vector<double>>(rows);
  std::vector<double> var(rows);
  NABLA_DISPATCH_FLOAT(x.dtype(), T, [&] { row_stats(xc.data<T>(), sh, *mean, var); });
  for (int64_t r = 0; r < rows; ++r) (*invstd)[r] = 1.0 / std::sqrt(var[r] + eps);
  if (mean_out) *mean_out = *mean;
  if (var_out) *var_out = var;

  const int64_t np = sh.params();
  const std::vector<double> w = param_values(weight, np, 1.0);
  const std::vector<double> b = param_values(bias, np, 0.0);
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  NABLA_DISPATCH_FLOAT(
      x.dtype(), T, [&] { row_norm_apply(xc.data<T>(), out.data<T>(), sh, *mean, *invstd, w, b); });

  return autograd::record(
      op, out, {x, weight, bias}, [xc, weight, bias, mean, invstd, sh](const Tensor& gy_in) {
        Tensor gy = gy_in.contiguous();
        const int64_t np = sh.params();
        const std::vector<double> w = param_values(weight, np, 1.0);
        std::vector<double> dw(np, 0.0), db(np, 0.0);
        Tensor dx = Tensor::empty(xc.shape(), xc.dtype());
        NABLA_DISPATCH_FLOAT(xc.dtype(), T, [&] {
          const T* xp = xc.data<T>();
          const T* gp = gy.data<T>();
          T* dp = dx.data<T>();
          row_norm_dx(xp, gp, dp, sh, *mean, *invstd, w);
          if ((weight.defined() && weight.requires_grad()) ||
              (bias.defined() && bias.requires_grad()))
            row_norm_dparams(xp, gp, sh, *mean, *invstd, dw, db);
        });
        Tensor dwt, dbt;
        if (weight.defined() && weight.requires_grad()) {
          dwt = Tensor::empty(weight.shape(), xc.dtype())
                    .copy_(Tensor::from_vector(dw, {np}).reshape(weight.shape()));
        }
        if (bias.defined() && bias.requires_grad()) {
          dbt = Tensor::empty(bias.shape(), xc.dtype())
                    .copy_(Tensor::from_vector(db, {np}).reshape(bias.shape()));
        }
        return std::vector<Tensor>{dx, dwt, dbt};
      });
}

}  // namespace nabla::detail
