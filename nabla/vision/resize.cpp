#include "nabla/vision/resize.hpp"

#include <algorithm>
#include <vector>

#include "nabla/core/error.hpp"

namespace nabla::vision {

namespace {

// For each output index: the two source indices and the weight of the second, from the
// half-pixel mapping src = (dst + 0.5) * in / out - 0.5 (clamped at the edges, as PyTorch).
struct Taps {
  std::vector<int64_t> lo, hi;
  std::vector<float> frac;
};

Taps make_taps(int64_t in, int64_t out) {
  Taps t;
  t.lo.resize(out);
  t.hi.resize(out);
  t.frac.resize(out);
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  for (int64_t i = 0; i < out; ++i) {
    const double src = std::max(0.0, (static_cast<double>(i) + 0.5) * scale - 0.5);
    const int64_t lo = std::min(static_cast<int64_t>(src), in - 1);
    t.lo[i] = lo;
    t.hi[i] = std::min(lo + 1, in - 1);
    t.frac[i] = static_cast<float>(src - static_cast<double>(lo));
  }
  return t;
}

}  // namespace

void bilinear_resize_plane(const float* src, int64_t src_h, int64_t src_w, float* dst,
                           int64_t dst_h, int64_t dst_w) {
  NABLA_CHECK(src_h > 0 && src_w > 0 && dst_h > 0 && dst_w > 0, "bilinear_resize",
              "sizes must be positive, got ", src_h, "x", src_w, " -> ", dst_h, "x", dst_w);
  const Taps ty = make_taps(src_h, dst_h), tx = make_taps(src_w, dst_w);
  for (int64_t y = 0; y < dst_h; ++y) {
    const float* r0 = src + ty.lo[y] * src_w;
    const float* r1 = src + ty.hi[y] * src_w;
    const float fy = ty.frac[y];
    for (int64_t x = 0; x < dst_w; ++x) {
      const float fx = tx.frac[x];
      const float top = r0[tx.lo[x]] + fx * (r0[tx.hi[x]] - r0[tx.lo[x]]);
      const float bottom = r1[tx.lo[x]] + fx * (r1[tx.hi[x]] - r1[tx.lo[x]]);
      dst[y * dst_w + x] = top + fy * (bottom - top);
    }
  }
}

Tensor bilinear_resize(const Tensor& image, int64_t height, int64_t width) {
  NABLA_CHECK(
      image.defined() && (image.dim() == 2 || image.dim() == 3) && image.dtype() == DType::Float32,
      "bilinear_resize", "expects a float32 (C, H, W) or (H, W) image, got ",
      image.defined() ? shape_str(image.shape()) : std::string("an undefined tensor"));
  const Tensor src = image.clone_data();
  const int64_t h = src.size(-2), w = src.size(-1);
  const int64_t planes = image.dim() == 3 ? image.size(0) : 1;
  Shape out_shape = image.shape();
  out_shape[out_shape.size() - 2] = height;
  out_shape[out_shape.size() - 1] = width;
  Tensor out = Tensor::empty(out_shape);
  for (int64_t c = 0; c < planes; ++c)
    bilinear_resize_plane(src.data<float>() + c * h * w, h, w,
                          out.data<float>() + c * height * width, height, width);
  return out;
}

}  // namespace nabla::vision
