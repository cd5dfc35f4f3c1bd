// Bilinear resizing of float images, with PyTorch's pixel-centre convention
// (F.interpolate(mode="bilinear", align_corners=False), no antialiasing): the scene generator
// scales 28x28 items with it and the heatmap upsamples per-class probabilities with it.
// data::resize_image (stb's area filter) is for photos; this one is exact and cheap.
#pragma once
#include <cstdint>

#include "nabla/core/tensor.hpp"

namespace nabla::vision {

// One (src_h, src_w) plane -> one (dst_h, dst_w) plane, row-major. Same size copies exactly.
void bilinear_resize_plane(const float* src, int64_t src_h, int64_t src_w, float* dst,
                           int64_t dst_h, int64_t dst_w);

// (C, H, W) or (H, W) float32 -> same rank with the new height and width.
Tensor bilinear_resize(const Tensor& image, int64_t height, int64_t width);

}  // namespace nabla::vision
