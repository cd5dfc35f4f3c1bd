// Image files <-> tensors, through stb_image (PNG, JPEG, BMP decode) and
// stb_image_write (PNG encode). Used to feed a user's photo to a Fashion-MNIST model and to
// write sample thumbnails into reports.
#pragma once
#include <string>
#include <vector>

#include "nabla/core/tensor.hpp"

namespace nabla::data {

struct ImageOptions {
  int64_t height = 28;  // output size; 0 keeps the decoded size (both must then be 0)
  int64_t width = 28;
  bool grayscale = true;  // 1 channel (luma); false keeps 3 (RGB, alpha dropped)
  // Fashion-MNIST draws light garments on black. Auto inverts images whose border is mostly
  // light (a photo on a white table); Yes/No force it.
  enum class Invert { No, Yes, Auto } invert = Invert::No;
  bool keep_aspect = true;                // pad to a square with the background before resizing
  int64_t max_pixels = int64_t{1} << 27;  // refuses larger images (corrupt or hostile headers)
};

// What the file held before conversion to ImageOptions' size and channels, so a caller can
// say when it converted (nabla predict prints a note).
struct ImageInfo {
  int64_t height = 0;
  int64_t width = 0;
  int channels = 0;  // in the file: 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA
  bool inverted = false;
};
// "640x480 RGB" for notes.
std::string describe(const ImageInfo& info);

// Decoded pixels as a float tensor (C, H, W) in [0, 1]. Throws IoError naming the file (also
// for a folder or other non-regular file).
Tensor load_image(const std::string& path, const ImageOptions& options = {},
                  ImageInfo* info = nullptr);
// Same from the file's bytes in memory; `name` appears in error messages.
Tensor decode_image(const std::string& bytes, const ImageOptions& options = {},
                    const std::string& name = "<memory>", ImageInfo* info = nullptr);

// Resizes (C, H, W) float images with an area/triangle filter (stb_image_resize).
Tensor resize_image(const Tensor& image, int64_t height, int64_t width);

// Writes (H, W), (1, H, W) or (3, H, W) values in [0, 1] (clamped) as an 8-bit PNG; `scale`
// > 1 enlarges each pixel to a scale x scale block (28x28 thumbnails are tiny).
void write_png(const std::string& path, const Tensor& image, int scale = 1);
// The PNG file's bytes, without touching the disk.
std::string encode_png(const Tensor& image, int scale = 1);

// Tiles images (N, C, H, W) into one (C, rows*(H+pad)+pad, cols*(W+pad)+pad) picture,
// `cols` per row, background `pad_value`.
Tensor make_grid(const Tensor& images, int64_t cols = 8, int64_t pad = 2, double pad_value = 1.0);

}  // namespace nabla::data
