#include "nabla/vision/overlay.hpp"

#include <algorithm>
#include <vector>

#include "nabla/core/error.hpp"

namespace nabla::vision {

const std::array<Rgb, 10>& class_palette() {
  static const std::array<Rgb, 10> p{{{0.90f, 0.10f, 0.10f},
                                      {1.00f, 0.55f, 0.00f},
                                      {1.00f, 0.90f, 0.00f},
                                      {0.40f, 0.85f, 0.10f},
                                      {0.00f, 0.60f, 0.25f},
                                      {0.00f, 0.85f, 0.85f},
                                      {0.10f, 0.40f, 1.00f},
                                      {0.45f, 0.15f, 0.85f},
                                      {0.95f, 0.20f, 0.80f},
                                      {0.60f, 0.35f, 0.15f}}};
  return p;
}

const std::array<const char*, 10>& class_palette_names() {
  static const std::array<const char*, 10> n{"red",  "orange", "yellow", "lime", "green",
                                             "cyan", "blue",   "violet", "pink", "brown"};
  return n;
}

Rgb heat_colour(float p) {
  const float t = std::clamp(p, 0.0f, 1.0f) * 4;  // four linear pieces between five colours
  static const Rgb stops[5] = {{0, 0, 1}, {0, 1, 1}, {0, 1, 0}, {1, 1, 0}, {1, 0, 0}};
  const int i = std::min(static_cast<int>(t), 3);
  const float f = t - static_cast<float>(i);
  Rgb c;
  for (int k = 0; k < 3; ++k) c[k] = stops[i][k] + f * (stops[i + 1][k] - stops[i][k]);
  return c;
}

namespace {

std::vector<float> grey_pixels(const Tensor& scene, int64_t H, int64_t W) {
  NABLA_CHECK(scene.defined() && (scene.dim() == 2 || (scene.dim() == 3 && scene.size(0) == 1)) &&
                  scene.size(-2) == H && scene.size(-1) == W,
              "overlay", "the scene must be a grey (1, ", H, ", ", W, ") image like its heatmap");
  return scene.to_vector<float>();
}

// out = (1 - a) * grey + a * colour, per pixel.
Tensor blend(const std::vector<float>& grey, const std::vector<Rgb>& colour,
             const std::vector<float>& alpha, int64_t H, int64_t W) {
  std::vector<float> rgb(3 * H * W);
  for (int64_t i = 0; i < H * W; ++i)
    for (int k = 0; k < 3; ++k)
      rgb[k * H * W + i] =
          (1 - alpha[i]) * std::clamp(grey[i], 0.0f, 1.0f) + alpha[i] * colour[i][k];
  return Tensor::from_vector(rgb, {3, H, W});
}

}  // namespace

Tensor probability_overlay(const Tensor& scene, const Tensor& probability) {
  NABLA_CHECK(probability.defined() && probability.dim() == 2, "overlay",
              "expects one class's probabilities (H, W)");
  const int64_t H = probability.size(0), W = probability.size(1);
  const std::vector<float> grey = grey_pixels(scene, H, W);
  const std::vector<float> p = probability.to_vector<float>();
  std::vector<Rgb> colour(H * W);
  for (int64_t i = 0; i < H * W; ++i) colour[i] = heat_colour(p[i]);
  return blend(grey, colour, std::vector<float>(H * W, 0.5f), H, W);
}

Tensor class_overlay(const Tensor& scene, const Tensor& probabilities) {
  NABLA_CHECK(probabilities.defined() && probabilities.dim() == 3 && probabilities.size(0) >= 2 &&
                  probabilities.size(0) <= 10,
              "overlay", "expects (K, H, W) probabilities for 2 to 10 classes");
  const int64_t K = probabilities.size(0), H = probabilities.size(1), W = probabilities.size(2);
  const std::vector<float> grey = grey_pixels(scene, H, W);
  const std::vector<float> p = probabilities.to_vector<float>();
  std::vector<Rgb> colour(H * W);
  std::vector<float> alpha(H * W);
  const float uniform = 1.0f / static_cast<float>(K);
  for (int64_t i = 0; i < H * W; ++i) {
    int64_t best = 0;
    for (int64_t k = 1; k < K; ++k)
      if (p[k * H * W + i] > p[best * H * W + i]) best = k;
    colour[i] = class_palette()[best];
    const float sure = (p[best * H * W + i] - uniform) / (1 - uniform);
    alpha[i] = 0.7f * std::clamp(sure, 0.0f, 1.0f);
  }
  return blend(grey, colour, alpha, H, W);
}

Tensor mask_overlay(const Tensor& scene, const Tensor& mask) {
  NABLA_CHECK(mask.defined() && mask.dim() == 2 && mask.dtype() == DType::Int64, "overlay",
              "expects an int64 (H, W) class mask");
  const int64_t H = mask.size(0), W = mask.size(1);
  const std::vector<float> grey = grey_pixels(scene, H, W);
  const std::vector<int64_t> m = mask.to_vector<int64_t>();
  std::vector<Rgb> colour(H * W, Rgb{0, 0, 0});
  std::vector<float> alpha(H * W, 0.0f);
  for (int64_t i = 0; i < H * W; ++i) {
    NABLA_CHECK(m[i] >= 0 && m[i] <= 10, "overlay", "mask class ", m[i], " outside [0, 10]");
    if (m[i] == 0) continue;  // background stays grey, so the garments stand out
    colour[i] = class_palette()[static_cast<size_t>(m[i] - 1)];
    alpha[i] = 0.55f;
  }
  return blend(grey, colour, alpha, H, W);
}

}  // namespace nabla::vision
