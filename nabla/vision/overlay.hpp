// Heatmaps drawn over their scene, as RGB images (3, H, W) in [0, 1] for data::write_png.
#pragma once
#include <array>
#include <cstdint>

#include "nabla/core/tensor.hpp"

namespace nabla::vision {

using Rgb = std::array<float, 3>;

// One colour per Fashion-MNIST class, far apart in hue (for the all-classes overlay and
// legends).
const std::array<Rgb, 10>& class_palette();
const std::array<const char*, 10>& class_palette_names();  // "red", "orange", ... for legends
// Blue (0) -> cyan -> green -> yellow -> red (1): the classic "jet" ramp, clamped.
Rgb heat_colour(float p);

// One class: the scene in grey, half covered by heat_colour(P(class)) per pixel.
// scene (1, H, W) or (H, W) in [0, 1]; probability (H, W).
Tensor probability_overlay(const Tensor& scene, const Tensor& probability);

// All classes: each pixel tinted with its most likely class's palette colour, the more the
// surer the model is there (no tint at a uniform 1/K, full tint at probability 1).
// probabilities (K, H, W) with K <= 10.
Tensor class_overlay(const Tensor& scene, const Tensor& probabilities);

// A segmentation mask over its scene: pixels of mask class 1 + k tinted (alpha 0.55) with
// class_palette()[k], background (0) left grey. mask: int64 (H, W) with values in [0, 10].
Tensor mask_overlay(const Tensor& scene, const Tensor& mask);

}  // namespace nabla::vision
