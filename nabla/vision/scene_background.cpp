// The background of a scene. Plain black would let "pixel > 0 = object" segment every scene,
// so it gets what photos have: uneven lighting (a ramp and a soft blob), clutter that looks like
// the objects' own texture (fragments of other garments, as bright as the garments themselves)
// without being an object (mask 0), and, over the finished scene, sensor noise (on the items too,
// so smoothness does not give them away either).
#include <algorithm>
#include <vector>

#include "nabla/core/error.hpp"
#include "nabla/vision/resize.hpp"
#include "nabla/vision/scenes.hpp"

namespace nabla::vision {

namespace {

double uniform(Generator& g, double lo, double hi) { return lo + (hi - lo) * g.uniform(); }

int64_t uniform_int(Generator& g, int64_t lo, int64_t hi) {  // inclusive
  return lo + static_cast<int64_t>(g.below(static_cast<uint64_t>(hi - lo + 1)));
}

// Base level (up to 0.15), a linear ramp in a random direction and one soft round blob (each
// up to amount / 2). Only + and *: no libm call whose last bit could differ between machines.
void add_shading(std::vector<float>& px, int64_t H, int64_t W, double amount, Generator& g) {
  const double base = uniform(g, 0.0, 0.15);
  const double gx = uniform(g, -1, 1) * amount * 0.25, gy = uniform(g, -1, 1) * amount * 0.25;
  const double cy = uniform(g, 0, H), cx = uniform(g, 0, W);
  const double r = uniform(g, 0.25, 0.6) * std::min(H, W), blob = uniform(g, 0, amount * 0.5);
  for (int64_t y = 0; y < H; ++y)
    for (int64_t x = 0; x < W; ++x) {
      // the ramp runs from -g/2 to +g/2 across the canvas, shifted to start at 0
      const double ramp = gx * (static_cast<double>(x) / W - 0.5) +
                          gy * (static_cast<double>(y) / H - 0.5) + (gx < 0 ? -gx : gx) * 0.5 +
                          (gy < 0 ? -gy : gy) * 0.5;
      const double d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (r * r);
      px[y * W + x] = static_cast<float>(base + ramp + (d2 < 1 ? blob * (1 - d2) : 0.0));
    }
}

// A fragment: at most half an item's side each way, scaled 0.8x to 1.6x (so at most ~22 px:
// a part, smaller than the smallest whole item), dimmed a little,
// anywhere (also partly off the canvas). Its light pixels replace the background.
void add_fragment(std::vector<float>& px, int64_t H, int64_t W, const data::TensorDataset& items,
                  double threshold, Generator& g) {
  const Tensor item = items.get(static_cast<int64_t>(g.below(items.size()))).inputs;
  const int64_t ih = item.size(-2), iw = item.size(-1);
  const int64_t fh = uniform_int(g, std::max<int64_t>(1, ih / 4), std::max<int64_t>(1, ih / 2));
  const int64_t fw = uniform_int(g, std::max<int64_t>(1, iw / 4), std::max<int64_t>(1, iw / 2));
  const int64_t sy = uniform_int(g, 0, ih - fh), sx = uniform_int(g, 0, iw - fw);
  const double scale = uniform(g, 0.8, 1.6), gain = uniform(g, 0.5, 1.0);
  const int64_t oh = std::max<int64_t>(1, static_cast<int64_t>(fh * scale));
  const int64_t ow = std::max<int64_t>(1, static_cast<int64_t>(fw * scale));
  const int64_t oy = uniform_int(g, -oh / 2, H - oh / 2), ox = uniform_int(g, -ow / 2, W - ow / 2);
  const std::vector<float> all = item.to_vector<float>();
  std::vector<float> crop(fh * fw), scaled(oh * ow);
  for (int64_t y = 0; y < fh; ++y)
    for (int64_t x = 0; x < fw; ++x) crop[y * fw + x] = all[(sy + y) * iw + sx + x];
  bilinear_resize_plane(crop.data(), fh, fw, scaled.data(), oh, ow);
  for (int64_t y = 0; y < oh; ++y)
    for (int64_t x = 0; x < ow; ++x) {
      const int64_t cy = oy + y, cx = ox + x;
      const float v = scaled[y * ow + x];
      if (cy < 0 || cy >= H || cx < 0 || cx >= W || !(v > threshold)) continue;
      px[cy * W + cx] = static_cast<float>(v * gain);
    }
}

}  // namespace

Tensor scene_background(const data::TensorDataset& items, const SceneOptions& options,
                        Generator& gen) {
  const int64_t H = options.height, W = options.width;
  std::vector<float> px(H * W);
  add_shading(px, H, W, options.shading, gen);
  const int64_t clutter = options.max_clutter > 0 ? uniform_int(gen, 0, options.max_clutter) : 0;
  for (int64_t i = 0; i < clutter; ++i) add_fragment(px, H, W, items, options.threshold, gen);
  for (auto& v : px) v = std::min(v, 1.0f);
  return Tensor::from_vector(px, {1, H, W});
}

void add_noise(Tensor& image, double amount, Generator& gen) {
  NABLA_CHECK(image.defined() && image.dtype() == DType::Float32 && image.is_contiguous(),
              "add_noise", "expects a contiguous float32 image");
  float* px = image.data<float>();
  for (int64_t i = 0; i < image.numel(); ++i) {
    const double noisy = px[i] + uniform(gen, -amount, amount);
    px[i] = static_cast<float>(std::clamp(noisy, 0.0, 1.0));
  }
}

}  // namespace nabla::vision
