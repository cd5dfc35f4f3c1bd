// im2col + GEMM convolution. Per sample n and group g, with R = C/G*KH*KW rows and P = OH*OW:
//   col (R, P) = im2col(x[n, g])                 forward:  y[n,g] (K/G, P) = w[g] (K/G, R) * col
//   backward data:   col = w[g]^T * dy[n,g], then col2im adds col back into dx[n, g]
//   backward weight: dw[g] += dy[n,g] * col^T
// Threads split the batch (each thread with its own column buffer and a single-threaded GEMM:
// OpenBLAS-openmp runs serially inside a parallel region); with fewer samples than threads the
// samples run in turn and each GEMM uses the threads itself.
#include "nabla/kernels/cpu/conv_gemm.hpp"

#include <cblas.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "nabla/core/checked.hpp"
#include "nabla/core/error.hpp"
#include "nabla/core/parallel.hpp"

namespace nabla::kernels::cpu::detail {

namespace {

constexpr int kSlots = 4;

struct ScratchSet {
  void* ptr[kSlots] = {};
  size_t cap[kSlots] = {};
  ~ScratchSet() {
    for (void* p : ptr) std::free(p);
  }
};

void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0f, a,
              static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda,
          const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  cblas_dgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
              static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), 1.0, a,
              static_cast<int>(lda), b, static_cast<int>(ldb), beta, c, static_cast<int>(ldc));
}

// True when the column matrix of one group is the input itself (1x1, stride 1, no padding).
bool is_pointwise(const Conv2dParams& p) {
  return p.kh == 1 && p.kw == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_top == 0 &&
         p.pad_left == 0 && p.oh == p.h && p.ow == p.w;
}

// Output columns j whose input column j*S - PL + e*D lies inside [0, W): [lo, hi).
inline void valid_cols(const Conv2dParams& p, int64_t e, int64_t& lo, int64_t& hi) {
  const int64_t off = e * p.dilation_w - p.pad_left;
  const int64_t s = p.stride_w;
  lo = off >= 0 ? 0 : (-off + s - 1) / s;
  hi = p.w - off <= 0 ? 0 : (p.w - off + s - 1) / s;
  lo = std::min(lo, p.ow);
  hi = std::max(lo, std::min(hi, p.ow));
}

// x: one group of one sample (C/G, H, W)  ->  col (C/G*KH*KW, OH*OW)
template <class T>
void im2col(const Conv2dParams& p, const T* x, T* col) {
  const int64_t cg = p.c_per_group(), ohw = p.oh * p.ow;
  for (int64_t c = 0; c < cg; ++c) {
    const T* xc = x + c * p.h * p.w;
    for (int64_t a = 0; a < p.kh; ++a)
      for (int64_t e = 0; e < p.kw; ++e) {
        T* row = col + ((c * p.kh + a) * p.kw + e) * ohw;
        int64_t lo, hi;
        valid_cols(p, e, lo, hi);
        const int64_t woff = e * p.dilation_w - p.pad_left;
        for (int64_t i = 0; i < p.oh; ++i) {
          T* r = row + i * p.ow;
          const int64_t ih = i * p.stride_h - p.pad_top + a * p.dilation_h;
          if (ih < 0 || ih >= p.h) {
            std::fill(r, r + p.ow, T(0));
            continue;
          }
          const T* xr = xc + ih * p.w + woff;
          std::fill(r, r + lo, T(0));
          if (p.stride_w == 1) {
            std::memcpy(r + lo, xr + lo, static_cast<size_t>(hi - lo) * sizeof(T));
          } else {
            for (int64_t j = lo; j < hi; ++j) r[j] = xr[j * p.stride_w];
          }
          std::fill(r + hi, r + p.ow, T(0));
        }
      }
  }
}

// The adjoint of im2col: adds col (C/G*KH*KW, OH*OW) into dx (C/G, H, W), which the caller zeroed.
template <class T>
void col2im(const Conv2dParams& p, const T* col, T* dx) {
  const int64_t cg = p.c_per_group(), ohw = p.oh * p.ow;
  for (int64_t c = 0; c < cg; ++c) {
    T* xc = dx + c * p.h * p.w;
    for (int64_t a = 0; a < p.kh; ++a)
      for (int64_t e = 0; e < p.kw; ++e) {
        const T* row = col + ((c * p.kh + a) * p.kw + e) * ohw;
        int64_t lo, hi;
        valid_cols(p, e, lo, hi);
        const int64_t woff = e * p.dilation_w - p.pad_left;
        for (int64_t i = 0; i < p.oh; ++i) {
          const int64_t ih = i * p.stride_h - p.pad_top + a * p.dilation_h;
          if (ih < 0 || ih >= p.h) continue;
          const T* r = row + i * p.ow;
          T* xr = xc + ih * p.w + woff;
          if (p.stride_w == 1) {
            for (int64_t j = lo; j < hi; ++j) xr[j] += r[j];
          } else {
            for (int64_t j = lo; j < hi; ++j) xr[j * p.stride_w] += r[j];
          }
        }
      }
  }
}

// Splits [0, n) into `chunks` contiguous ranges and runs fn(chunk, begin, end) on each; in
// parallel when chunks > 1.
template <class F>
void run_chunks(int64_t n, int64_t chunks, F&& fn) {
  if (chunks <= 1) {
    fn(int64_t{0}, int64_t{0}, n);
    return;
  }
  parallel_for(0, chunks, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t t = cb; t < ce; ++t) fn(t, n * t / chunks, n * (t + 1) / chunks);
  });
}

// Bytes of an R x P im2col buffer of T; checked (R and P each come from a valid tensor, their
// product need not fit).
template <class T>
size_t col_bytes(int64_t r, int64_t p) {
  return checked_nbytes(checked_mul(r, p, "conv2d", "the im2col buffer size"), sizeof(T), "conv2d");
}

// How many batch chunks to run in parallel: one per thread when the batch has enough samples
// and the work is worth a thread; otherwise one (and GEMM threads itself).
int64_t batch_chunks(const Conv2dParams& p) {
  if (in_parallel_region()) return 1;
  const int64_t nt = get_num_threads();
  if (nt <= 1 || p.n < nt) return 1;
  // output size times weight size: each fits int64, their product need not (then it is large)
  int64_t flops;
  if (!__builtin_mul_overflow(p.n * p.k * p.oh * p.ow, p.c_per_group() * p.kh * p.kw, &flops) &&
      flops < 200000)
    return 1;  // thread start-up would cost more than it saves
  return std::min<int64_t>(nt, p.n);
}

}  // namespace

void* thread_scratch(int slot, size_t bytes) {
  thread_local ScratchSet s;
  if (bytes > s.cap[slot]) {
    std::free(s.ptr[slot]);
    s.ptr[slot] = nullptr;
    s.cap[slot] = 0;
    const size_t cap = bytes > size_t(INT64_MAX) ? 0 : (bytes + 4095) / 4096 * 4096;
    if (cap) s.ptr[slot] = std::aligned_alloc(64, cap);
    if (!s.ptr[slot])
      throw AllocError("conv2d: cannot allocate a " + std::to_string(bytes) +
                       "-byte scratch buffer: out of memory");
    s.cap[slot] = cap;
  }
  return s.ptr[slot];
}

template <class T>
void gemm_conv2d_forward(const Conv2dParams& p, const T* x, const T* w, const T* b, T* y) {
  const int64_t G = p.groups, cg = p.c_per_group(), kg = p.k_per_group();
  const int64_t R = cg * p.kh * p.kw, P = p.oh * p.ow;
  const bool pointwise = is_pointwise(p);
  run_chunks(p.n, batch_chunks(p), [&](int64_t, int64_t nb, int64_t ne) {
    T* col = pointwise ? nullptr : static_cast<T*>(thread_scratch(0, col_bytes<T>(R, P)));
    for (int64_t n = nb; n < ne; ++n)
      for (int64_t g = 0; g < G; ++g) {
        const T* xg = x + (n * p.c + g * cg) * p.h * p.w;
        T* yg = y + (n * p.k + g * kg) * P;
        if (!pointwise) im2col(p, xg, col);
        T beta = 0;
        if (b) {  // start from the bias so GEMM adds onto it
          for (int64_t k = 0; k < kg; ++k) std::fill(yg + k * P, yg + (k + 1) * P, b[g * kg + k]);
          beta = 1;
        }
        gemm(false, false, kg, P, R, w + g * kg * R, R, pointwise ? xg : col, P, beta, yg, P);
      }
  });
}

template <class T>
void gemm_conv2d_backward_input(const Conv2dParams& p, const T* dy, const T* w, T* dx) {
  const int64_t G = p.groups, cg = p.c_per_group(), kg = p.k_per_group();
  const int64_t R = cg * p.kh * p.kw, P = p.oh * p.ow;
  const bool pointwise = is_pointwise(p);
  run_chunks(p.n, batch_chunks(p), [&](int64_t, int64_t nb, int64_t ne) {
    T* col = pointwise ? nullptr : static_cast<T*>(thread_scratch(0, col_bytes<T>(R, P)));
    for (int64_t n = nb; n < ne; ++n)
      for (int64_t g = 0; g < G; ++g) {
        const T* dyg = dy + (n * p.k + g * kg) * P;
        T* dxg = dx + (n * p.c + g * cg) * p.h * p.w;
        if (pointwise) {
          gemm(true, false, R, P, kg, w + g * kg * R, R, dyg, P, T(0), dxg, P);
          continue;
        }
        gemm(true, false, R, P, kg, w + g * kg * R, R, dyg, P, T(0), col, P);
        std::fill(dxg, dxg + cg * p.h * p.w, T(0));
        col2im(p, col, dxg);
      }
  });
}

template <class T>
void gemm_conv2d_backward_weight(const Conv2dParams& p, const T* x, const T* dy, T* dw) {
  const int64_t G = p.groups, cg = p.c_per_group(), kg = p.k_per_group();
  const int64_t R = cg * p.kh * p.kw, P = p.oh * p.ow;
  const int64_t wn = p.w_numel();
  const bool pointwise = is_pointwise(p);
  const int64_t chunks = batch_chunks(p);
  // chunk 0 accumulates into dw, the others into their own slice of a caller-owned area
  T* partial =
      chunks > 1 ? static_cast<T*>(thread_scratch(1, sizeof(T) * wn * (chunks - 1))) : nullptr;
  run_chunks(p.n, chunks, [&](int64_t t, int64_t nb, int64_t ne) {
    T* acc = t == 0 ? dw : partial + (t - 1) * wn;
    if (nb == ne) std::fill(acc, acc + wn, T(0));
    T* col = pointwise ? nullptr : static_cast<T*>(thread_scratch(0, col_bytes<T>(R, P)));
    for (int64_t n = nb; n < ne; ++n)
      for (int64_t g = 0; g < G; ++g) {
        const T* xg = x + (n * p.c + g * cg) * p.h * p.w;
        const T* dyg = dy + (n * p.k + g * kg) * P;
        if (!pointwise) im2col(p, xg, col);
        gemm(false, true, kg, R, P, dyg, P, pointwise ? xg : col, P, n == nb ? T(0) : T(1),
             acc + g * kg * R, R);
      }
  });
  for (int64_t t = 1; t < chunks; ++t) {
    const T* src = partial + (t - 1) * wn;
    for (int64_t i = 0; i < wn; ++i) dw[i] += src[i];
  }
}

#define NABLA_INSTANTIATE(T)                                                                   \
  template void gemm_conv2d_forward<T>(const Conv2dParams&, const T*, const T*, const T*, T*); \
  template void gemm_conv2d_backward_input<T>(const Conv2dParams&, const T*, const T*, T*);    \
  template void gemm_conv2d_backward_weight<T>(const Conv2dParams&, const T*, const T*, T*);
NABLA_INSTANTIATE(float)
NABLA_INSTANTIATE(double)
#undef NABLA_INSTANTIATE

}  // namespace nabla::kernels::cpu::detail
