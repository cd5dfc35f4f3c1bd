// Reflect / replicate / circular padding as a gather through one index map per padded dim;
// its backward is the matching scatter-add. Constant padding is nabla::pad in ops/shape.cpp.
#include "nabla/ops/pad.hpp"

#include <algorithm>
#include <array>

#include "nabla/autograd/node.hpp"
#include "nabla/core/parallel.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla {

const char* pad_mode_name(PadMode mode) {
  switch (mode) {
    case PadMode::Constant:
      return "constant";
    case PadMode::Reflect:
      return "reflect";
    case PadMode::Replicate:
      return "replicate";
    case PadMode::Circular:
      return "circular";
  }
  return "?";
}

namespace {

// Where output position i - left of a dim of size n reads from (i - left in [-left, n + right)).
int64_t pad_source(int64_t i, int64_t n, PadMode mode) {
  switch (mode) {
    case PadMode::Reflect:
      if (i < 0) i = -i;
      if (i >= n) i = 2 * (n - 1) - i;
      return i;
    case PadMode::Replicate:
      return std::clamp<int64_t>(i, 0, n - 1);
    default:
      return ((i % n) + n) % n;  // circular
  }
}

// x viewed as (outer, D0, D1, D2) with the padded dims last (unpadded ones have size-1 maps);
// src[d][o] is the input index that output index o of dim d copies.
struct PadPlan {
  int64_t outer = 1;
  std::array<int64_t, 3> in{1, 1, 1}, out{1, 1, 1};
  std::array<std::vector<int64_t>, 3> src;
  int64_t in_plane() const { return in[0] * in[1] * in[2]; }
  int64_t out_plane() const { return out[0] * out[1] * out[2]; }
};

PadPlan make_plan(const Tensor& x, const std::vector<int64_t>& pads, PadMode mode) {
  const char* name = pad_mode_name(mode);
  const int64_t k = static_cast<int64_t>(pads.size()) / 2;
  NABLA_CHECK(pads.size() % 2 == 0 && k >= 1 && k <= 3, "pad", name,
              " padding takes 2, 4 or 6 values ({left, right[, top, bottom[, front, back]]}), got ",
              pads.size());
  NABLA_CHECK(x.dim() >= k, "pad", name, " padding of ", k, " dims needs an input with at least ",
              k, " dims, got ", shape_str(x.shape()));
  PadPlan p;
  for (int64_t d = 0; d < x.dim() - k; ++d) p.outer *= x.size(d);
  for (int64_t j = 0; j < 3; ++j) {
    const int64_t pair = 2 - j;  // plan dim 2 is the last dim, padded by pads[0], pads[1]
    if (pair >= k) {
      p.src[j] = {0};
      continue;
    }
    const int64_t dim = x.dim() - 1 - pair, n = x.size(dim);
    const int64_t before = pads[2 * pair], after = pads[2 * pair + 1];
    NABLA_CHECK(before >= 0 && after >= 0, "pad", name, " padding must be >= 0, got (", before,
                ", ", after, ") for dim ", dim);
    NABLA_CHECK(n >= 1, "pad", name, " padding needs a non-empty dim ", dim, ", got input ",
                shape_str(x.shape()));
    if (mode == PadMode::Reflect)
      NABLA_CHECK(before < n && after < n, "pad",
                  "reflect padding must be smaller than the padded dim: got padding (", before,
                  ", ", after, ") for dim ", dim, " of size ", n, " (input ", shape_str(x.shape()),
                  "); use less padding or padding_mode replicate");
    if (mode == PadMode::Circular)
      NABLA_CHECK(before <= n && after <= n, "pad",
                  "circular padding may wrap around at most once: got padding (", before, ", ",
                  after, ") for dim ", dim, " of size ", n, " (input ", shape_str(x.shape()), ")");
    p.in[j] = n;
    p.out[j] = n + before + after;
    p.src[j].resize(p.out[j]);
    for (int64_t o = 0; o < p.out[j]; ++o) p.src[j][o] = pad_source(o - before, n, mode);
  }
  return p;
}

Shape padded_shape(const Tensor& x, const PadPlan& p, int64_t k) {
  Shape s = x.shape();
  for (int64_t pair = 0; pair < k; ++pair) s[x.dim() - 1 - pair] = p.out[2 - pair];
  return s;
}

// y[o, i, j, l] = x[o, src0[i], src1[j], src2[l]];  x, y contiguous
// at least ~4K elements per chunk, so small inputs stay on one thread
int64_t plane_grain(const PadPlan& p) { return std::max<int64_t>(1, 4096 / p.out_plane()); }

template <class T>
void pad_forward(const PadPlan& p, const T* x, T* y) {
  parallel_for(0, p.outer, plane_grain(p), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      const T* xo = x + o * p.in_plane();
      T* yo = y + o * p.out_plane();
      for (int64_t i = 0; i < p.out[0]; ++i)
        for (int64_t j = 0; j < p.out[1]; ++j) {
          const T* row = xo + (p.src[0][i] * p.in[1] + p.src[1][j]) * p.in[2];
          T* yr = yo + (i * p.out[1] + j) * p.out[2];
          for (int64_t l = 0; l < p.out[2]; ++l) yr[l] = row[p.src[2][l]];
        }
    }
  });
}

// gx[o, src0[i], src1[j], src2[l]] += gy[o, i, j, l]; each outer plane is written by one thread
template <class T>
void pad_backward(const PadPlan& p, const T* gy, T* gx) {
  parallel_for(0, p.outer, plane_grain(p), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      T* xo = gx + o * p.in_plane();
      std::fill(xo, xo + p.in_plane(), T(0));
      const T* yo = gy + o * p.out_plane();
      for (int64_t i = 0; i < p.out[0]; ++i)
        for (int64_t j = 0; j < p.out[1]; ++j) {
          T* row = xo + (p.src[0][i] * p.in[1] + p.src[1][j]) * p.in[2];
          const T* yr = yo + (i * p.out[1] + j) * p.out[2];
          for (int64_t l = 0; l < p.out[2]; ++l) row[p.src[2][l]] += yr[l];
        }
    }
  });
}

}  // namespace

Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, PadMode mode, double value) {
  NABLA_CHECK(x.defined(), "pad", "the input is an undefined tensor");
  if (mode == PadMode::Constant) return pad(x, pads, value);
  NABLA_CHECK(is_floating(x.dtype()), "pad", pad_mode_name(mode),
              " padding expects a float32 or float64 input, got ", dtype_name(x.dtype()));
  const int64_t k = static_cast<int64_t>(pads.size()) / 2;
  const PadPlan plan = make_plan(x, pads, mode);
  const Tensor xc = x.is_contiguous() ? x.detach() : x.clone_data();
  Tensor y = Tensor::empty(padded_shape(x, plan, k), x.dtype());
  NABLA_DISPATCH_FLOAT(x.dtype(), T, [&] { pad_forward<T>(plan, xc.data<T>(), y.data<T>()); });
  return autograd::record(
      "pad", y, {x}, [plan, shape = x.shape(), dtype = x.dtype()](const Tensor& g) {
        const Tensor gc = g.is_contiguous() ? g : g.clone_data();
        Tensor gx = Tensor::empty(shape, dtype);
        NABLA_DISPATCH_FLOAT(dtype, T, [&] { pad_backward<T>(plan, gc.data<T>(), gx.data<T>()); });
        return std::vector<Tensor>{gx};
      });
}

}  // namespace nabla
