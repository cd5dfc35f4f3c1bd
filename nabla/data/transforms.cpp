#include "nabla/data/transforms.hpp"

#include <algorithm>
#include <cmath>

namespace nabla::data::transforms {
namespace {

Tensor contiguous_float(const Tensor& x, const char* op) {
  NABLA_CHECK(x.defined(), op, "input is undefined");
  NABLA_CHECK(is_floating(x.dtype()), op, "expected a float32/float64 tensor, got ",
              dtype_name(x.dtype()));
  return x.is_contiguous() ? x.detach() : x.clone_data();
}

void check_images(const Tensor& x, const char* op) {
  NABLA_CHECK(x.dim() == 4, op, "expected images (N, C, H, W), got ", shape_str(x.shape()));
}

}  // namespace

Tensor normalize(const Tensor& x_in, const std::vector<double>& mean,
                 const std::vector<double>& std) {
  const Tensor x = contiguous_float(x_in, "normalize");
  NABLA_CHECK(x.dim() >= 2, "normalize", "expected (N, C, ...), got ", shape_str(x.shape()));
  const int64_t n = x.size(0), c = x.size(1), inner = n * c == 0 ? 0 : x.numel() / (n * c);
  NABLA_CHECK(!mean.empty() && mean.size() == std.size(), "normalize",
              "mean and std need the same, non-zero length, got ", mean.size(), " and ",
              std.size());
  NABLA_CHECK(mean.size() == 1 || static_cast<int64_t>(mean.size()) == c, "normalize",
              "expected 1 or ", c, " (channels) mean/std values, got ", mean.size());
  for (double s : std) NABLA_CHECK(s > 0, "normalize", "std must be positive, got ", s);
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  NABLA_DISPATCH_FLOAT(x.dtype(), T, [&] {
    const T* src = x.data<T>();
    T* dst = out.data<T>();
    for (int64_t i = 0; i < n; ++i)
      for (int64_t ch = 0; ch < c; ++ch) {
        const size_t k = mean.size() == 1 ? 0 : static_cast<size_t>(ch);
        const T m = static_cast<T>(mean[k]), inv = static_cast<T>(1.0 / std[k]);
        const int64_t base = (i * c + ch) * inner;
        for (int64_t j = 0; j < inner; ++j) dst[base + j] = (src[base + j] - m) * inv;
      }
  });
  return out;
}

Tensor random_crop(const Tensor& x_in, int64_t out_h, int64_t out_w, int64_t padding,
                   Generator& gen) {
  const Tensor x = contiguous_float(x_in, "random_crop");
  check_images(x, "random_crop");
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  NABLA_CHECK(padding >= 0 && out_h > 0 && out_w > 0, "random_crop",
              "need size > 0 and padding >= 0, got size ", out_h, "x", out_w, " padding ", padding);
  const int64_t ph = h + 2 * padding, pw = w + 2 * padding;
  NABLA_CHECK(out_h <= ph && out_w <= pw, "random_crop", "crop ", out_h, "x", out_w,
              " is larger than the padded image ", ph, "x", pw);
  Tensor out = Tensor::zeros({n, c, out_h, out_w}, x.dtype());
  NABLA_DISPATCH_FLOAT(x.dtype(), T, [&] {
    const T* src = x.data<T>();
    T* dst = out.data<T>();
    for (int64_t i = 0; i < n; ++i) {
      // Window origin in padded coordinates, then shifted back into the source image.
      const int64_t top =
          static_cast<int64_t>(gen.below(static_cast<uint64_t>(ph - out_h + 1))) - padding;
      const int64_t left =
          static_cast<int64_t>(gen.below(static_cast<uint64_t>(pw - out_w + 1))) - padding;
      const int64_t y0 = std::max<int64_t>(0, -top), y1 = std::min<int64_t>(out_h, h - top);
      const int64_t x0 = std::max<int64_t>(0, -left), x1 = std::min<int64_t>(out_w, w - left);
      if (y0 >= y1 || x0 >= x1) continue;  // window entirely in the padding
      for (int64_t ch = 0; ch < c; ++ch) {
        const T* s = src + (i * c + ch) * h * w;
        T* d = dst + (i * c + ch) * out_h * out_w;
        for (int64_t y = y0; y < y1; ++y)
          std::copy(s + (y + top) * w + (x0 + left), s + (y + top) * w + (x1 + left),
                    d + y * out_w + x0);
      }
    }
  });
  return out;
}

Tensor random_hflip(const Tensor& x_in, double p, Generator& gen) {
  const Tensor x = contiguous_float(x_in, "random_hflip");
  check_images(x, "random_hflip");
  NABLA_CHECK(p >= 0 && p <= 1, "random_hflip", "p must be in [0, 1], got ", p);
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  NABLA_DISPATCH_FLOAT(x.dtype(), T, [&] {
    const T* src = x.data<T>();
    T* dst = out.data<T>();
    const int64_t per_sample = c * h * w;
    for (int64_t i = 0; i < n; ++i) {
      const T* s = src + i * per_sample;
      T* d = dst + i * per_sample;
      if (gen.uniform() < p) {
        for (int64_t r = 0; r < c * h; ++r)
          std::reverse_copy(s + r * w, s + (r + 1) * w, d + r * w);
      } else {
        std::copy(s, s + per_sample, d);
      }
    }
  });
  return out;
}

Tensor gaussian_noise(const Tensor& x_in, double std, Generator& gen) {
  const Tensor x = contiguous_float(x_in, "gaussian_noise");
  NABLA_CHECK(std >= 0, "gaussian_noise", "std must be >= 0, got ", std);
  Tensor out = Tensor::empty(x.shape(), x.dtype());
  NABLA_DISPATCH_FLOAT(x.dtype(), T, [&] {
    const T* src = x.data<T>();
    T* dst = out.data<T>();
    const int64_t n = x.numel();
    for (int64_t i = 0; i < n; ++i) dst[i] = src[i] + static_cast<T>(std * gen.normal());
  });
  return out;
}

Normalize::Normalize(std::vector<double> mean, std::vector<double> std)
    : mean_(std::move(mean)), std_(std::move(std)) {
  NABLA_CHECK(!mean_.empty() && mean_.size() == std_.size(), "Normalize",
              "mean and std need the same, non-zero length, got ", mean_.size(), " and ",
              std_.size());
  for (double s : std_) NABLA_CHECK(s > 0, "Normalize", "std must be positive, got ", s);
}

RandomCrop::RandomCrop(int64_t h, int64_t w, int64_t padding) : h_(h), w_(w), padding_(padding) {
  NABLA_CHECK(h > 0 && w > 0 && padding >= 0, "RandomCrop", "need size > 0 and padding >= 0, got ",
              h, "x", w, " padding ", padding);
}

RandomHorizontalFlip::RandomHorizontalFlip(double p) : p_(p) {
  NABLA_CHECK(p >= 0 && p <= 1, "RandomHorizontalFlip", "p must be in [0, 1], got ", p);
}

GaussianNoise::GaussianNoise(double std) : std_(std) {
  NABLA_CHECK(std >= 0, "GaussianNoise", "std must be >= 0, got ", std);
}

Tensor Compose::operator()(const Tensor& x, Generator& gen) const {
  Tensor y = x;
  for (const Transform& t : transforms_) y = t(y, gen);
  return y;
}

}  // namespace nabla::data::transforms
