// Single-input-channel direct convolution. Per sample the image is copied once into a
// zero-padded buffer (so the inner loops need no bounds checks), then:
//   forward:         y[k, i, j0:j0+B] = b[k] + sum_{a,e} w[k,a,e] * xp[i*S + a*D, j0 + e*D : +B]
//   backward weight: dw[k,a,e] = sum_{i,j} dy[k, i, j] * xp[i*S + a*D, j + e*D], up to four
//                    taps at a time with their accumulators in registers over the whole plane
// with blocks along the output row held in vector registers. Reads
// past a row's end land in the buffer's zero slack and only feed lanes that are never stored.
#include "nabla/kernels/cpu/conv_direct.hpp"

#include <algorithm>
#include <cstring>

#include "nabla/core/parallel.hpp"
#include "nabla/kernels/cpu/conv_gemm.hpp"

namespace nabla::kernels::cpu::detail {

namespace {

template <class T>
constexpr int64_t kBlock = 128 / sizeof(T);  // 32 floats / 16 doubles: four 256-bit registers

// Four 256-bit vectors of T (GCC/Clang vector extensions, so the accumulators stay in
// registers without intrinsics); loads are unaligned.
template <class T>
struct Vec4 {
  typedef T V __attribute__((vector_size(32)));
  static constexpr int64_t kLanes = 32 / sizeof(T);
  V v[4];
  static V load(const T* p) {
    V r;
    std::memcpy(&r, p, sizeof(V));
    return r;
  }
  void fill(T s) {
    for (auto& q : v) q = V{} + s;
  }
  void fma(T s, const T* p) {
    const V w = V{} + s;
    v[0] += w * load(p);
    v[1] += w * load(p + kLanes);
    v[2] += w * load(p + 2 * kLanes);
    v[3] += w * load(p + 3 * kLanes);
  }
};

// Weight gradient of E consecutive horizontal taps (e0 .. e0+E-1) of kernel row a, for one
// output channel of one sample: out[e] += sum_{i,j} dy[i, j] * xp[i*S + a*D, j + e*Dw]. The E
// accumulators (two vectors each) stay in registers over the whole plane. dy rows are `ow`
// long, a multiple of two vectors, zero past the real row end.
template <class T, int E>
void weight_taps(const T* dy, int64_t oh, int64_t ow, const T* xrow0, int64_t row_step,
                 int64_t dil_w, T* out) {
  typedef T V __attribute__((vector_size(32)));
  constexpr int64_t L = 32 / sizeof(T);
  auto load = [](const T* p) {
    V r;
    std::memcpy(&r, p, sizeof(V));
    return r;
  };
  V acc[E][2];
  for (int e = 0; e < E; ++e) acc[e][0] = acc[e][1] = V{};
  for (int64_t i = 0; i < oh; ++i) {
    const T* dyr = dy + i * ow;  // ow is a multiple of 2L here, zero-padded
    const T* xr = xrow0 + i * row_step;
    for (int64_t j0 = 0; j0 < ow; j0 += 2 * L) {
      const T* d = dyr + j0;
      const V d0 = load(d), d1 = load(d + L);
      for (int e = 0; e < E; ++e) {
        const T* xs = xr + j0 + e * dil_w;
        acc[e][0] += d0 * load(xs);
        acc[e][1] += d1 * load(xs + L);
      }
    }
  }
  for (int e = 0; e < E; ++e) {
    const V v = acc[e][0] + acc[e][1];
    T sum = 0;
    for (int64_t l = 0; l < L; ++l) sum += v[l];
    out[e] += sum;
  }
}

struct Padded {
  int64_t hp, wp, size;
};

Padded padded_geometry(const Conv2dParams& p) {
  Padded g;
  // cover every index the loops touch, even when oh/ow were set explicitly (transposed convs)
  g.hp = std::max(p.h + p.pad_top + p.pad_bottom,
                  (p.oh - 1) * p.stride_h + p.dilation_h * (p.kh - 1) + 1);
  g.wp = std::max(p.w + p.pad_left + p.pad_right, p.ow + p.dilation_w * (p.kw - 1));
  g.size = g.hp * g.wp + 2 * 128 + g.wp;  // slack for the block reads past the last row
  return g;
}

template <class T>
void pad_image(const Conv2dParams& p, const Padded& g, const T* x, T* xp) {
  std::fill(xp, xp + g.size, T(0));
  for (int64_t r = 0; r < p.h; ++r)
    std::memcpy(xp + (r + p.pad_top) * g.wp + p.pad_left, x + r * p.w, sizeof(T) * p.w);
}

int64_t sample_chunks(const Conv2dParams& p) {
  if (in_parallel_region()) return 1;
  const int64_t nt = get_num_threads();
  const int64_t flops = p.n * p.k * p.oh * p.ow * p.kh * p.kw;
  if (nt <= 1 || p.n < nt || flops < 200000) return 1;
  return std::min<int64_t>(nt, p.n);
}

template <class F>
void for_chunks(int64_t n, int64_t chunks, F&& fn) {
  if (chunks <= 1) {
    fn(int64_t{0}, int64_t{0}, n);
    return;
  }
  parallel_for(0, chunks, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t t = cb; t < ce; ++t) fn(t, n * t / chunks, n * (t + 1) / chunks);
  });
}

}  // namespace

bool direct_applicable(const Conv2dParams& p) {
  return p.c == 1 && p.groups == 1 && p.stride_w == 1;
}

template <class T>
void direct_conv2d_forward(const Conv2dParams& p, const T* x, const T* w, const T* b, T* y) {
  constexpr int64_t B = kBlock<T>;
  const Padded g = padded_geometry(p);
  for_chunks(p.n, sample_chunks(p), [&](int64_t, int64_t nb, int64_t ne) {
    T* xp = static_cast<T*>(thread_scratch(0, sizeof(T) * g.size));
    for (int64_t n = nb; n < ne; ++n) {
      pad_image(p, g, x + n * p.h * p.w, xp);
      for (int64_t k = 0; k < p.k; ++k) {
        const T* wk = w + k * p.kh * p.kw;
        const T bias = b ? b[k] : T(0);
        for (int64_t i = 0; i < p.oh; ++i) {
          T* yr = y + ((n * p.k + k) * p.oh + i) * p.ow;
          for (int64_t j0 = 0; j0 < p.ow; j0 += B) {
            Vec4<T> acc;
            acc.fill(bias);
            for (int64_t a = 0; a < p.kh; ++a) {
              const T* xr = xp + (i * p.stride_h + a * p.dilation_h) * g.wp + j0;
              for (int64_t e = 0; e < p.kw; ++e) acc.fma(wk[a * p.kw + e], xr + e * p.dilation_w);
            }
            std::memcpy(yr + j0, acc.v, sizeof(T) * std::min(B, p.ow - j0));
          }
        }
      }
    }
  });
}

template <class T>
void direct_conv2d_backward_weight(const Conv2dParams& p, const T* x, const T* dy, T* dw) {
  const Padded g = padded_geometry(p);
  const int64_t wn = p.k * p.kh * p.kw;
  const int64_t chunks = sample_chunks(p);
  // chunk 0 accumulates into dw, the others into their own slice of a caller-owned area
  T* partial =
      chunks > 1 ? static_cast<T*>(thread_scratch(1, sizeof(T) * wn * (chunks - 1))) : nullptr;
  for_chunks(p.n, chunks, [&](int64_t t, int64_t nb, int64_t ne) {
    T* out = t == 0 ? dw : partial + (t - 1) * wn;
    std::fill(out, out + wn, T(0));
    constexpr int64_t kRow = 64 / sizeof(T);  // two 256-bit vectors
    const int64_t owp = (p.ow + kRow - 1) / kRow * kRow;
    T* xp = static_cast<T*>(thread_scratch(0, sizeof(T) * (g.size + g.wp + owp + p.oh * owp)));
    T* dyp = xp + g.size + g.wp + owp;  // past the image's slack: dy rows padded to owp
    const int64_t row_step = p.stride_h * g.wp;
    for (int64_t n = nb; n < ne; ++n) {
      pad_image(p, g, x + n * p.h * p.w, xp);
      for (int64_t k = 0; k < p.k; ++k) {
        const T* src = dy + (n * p.k + k) * p.oh * p.ow;
        for (int64_t i = 0; i < p.oh; ++i) {
          std::copy(src + i * p.ow, src + (i + 1) * p.ow, dyp + i * owp);
          std::fill(dyp + i * owp + p.ow, dyp + (i + 1) * owp, T(0));
        }
        const T* dyk = dyp;
        for (int64_t a = 0; a < p.kh; ++a) {
          const T* xrow0 = xp + a * p.dilation_h * g.wp;
          T* o = out + (k * p.kh + a) * p.kw;
          int64_t e = 0;
          for (; e + 4 <= p.kw; e += 4)
            weight_taps<T, 4>(dyk, p.oh, owp, xrow0 + e * p.dilation_w, row_step, p.dilation_w,
                              o + e);
          for (; e < p.kw; ++e)
            weight_taps<T, 1>(dyk, p.oh, owp, xrow0 + e * p.dilation_w, row_step, p.dilation_w,
                              o + e);
        }
      }
    }
  });
  for (int64_t t = 1; t < chunks; ++t)
    for (int64_t q = 0; q < wn; ++q) dw[q] += partial[(t - 1) * wn + q];
}

#define NABLA_INSTANTIATE(T)                                                                     \
  template void direct_conv2d_forward<T>(const Conv2dParams&, const T*, const T*, const T*, T*); \
  template void direct_conv2d_backward_weight<T>(const Conv2dParams&, const T*, const T*, T*);
NABLA_INSTANTIATE(float)
NABLA_INSTANTIATE(double)
#undef NABLA_INSTANTIATE

}  // namespace nabla::kernels::cpu::detail
