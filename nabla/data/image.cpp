#include "nabla/data/image.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>

// The one translation unit that compiles stb's implementations. STATIC keeps the symbols
// private, so linking Debian's libstb (or another copy) elsewhere cannot clash.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_NO_LINEAR
#define STBI_MAX_DIMENSIONS (1 << 16)
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb/stb_image_write.h>
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#define STB_IMAGE_RESIZE_STATIC
#include <stb/stb_image_resize.h>
#pragma GCC diagnostic pop

namespace nabla::data {
namespace {

[[noreturn]] void fail(const std::string& name, const std::string& what) {
  throw IoError("image '" + name + "': " + what);
}

// Mean of the outermost ring of pixels of channel c of a (C, H, W) buffer.
double border_mean(const float* p, int64_t h, int64_t w) {
  double s = 0;
  int64_t n = 0;
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x)
      if (y == 0 || x == 0 || y == h - 1 || x == w - 1) {
        s += p[y * w + x];
        ++n;
      }
  return n ? s / static_cast<double>(n) : 0.0;
}

uint32_t read_be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// stb_image grows its IDAT buffer to whatever length a chunk header claims before reading
// the chunk, so a 100-byte file claiming a 512 MiB chunk allocates 512 MiB (found by
// fuzz/fuzz_image). Checking that every chunk fits in the file first bounds that by the file.
void check_png_chunks(const std::string& bytes, const std::string& name) {
  static const unsigned char kSig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kSig, 8) != 0) return;  // not a PNG
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t pos = 8;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < 12) fail(name, "truncated PNG chunk header");
    const uint32_t len = read_be32(p + pos);
    if (len > bytes.size() - pos - 12)
      fail(name, "PNG chunk claims " + std::to_string(len) + " bytes but the file ends first");
    if (std::memcmp(p + pos + 4, "IEND", 4) == 0) return;
    pos += 12 + static_cast<size_t>(len);
  }
}

}  // namespace

std::string describe(const ImageInfo& info) {
  static const char* kNames[] = {"?", "grayscale", "grayscale+alpha", "RGB", "RGBA"};
  return std::to_string(info.width) + "x" + std::to_string(info.height) + " " +
         kNames[info.channels >= 1 && info.channels <= 4 ? info.channels : 0];
}

Tensor decode_image(const std::string& bytes, const ImageOptions& opt, const std::string& name,
                    ImageInfo* info) {
  NABLA_CHECK((opt.height > 0) == (opt.width > 0) && opt.height >= 0 && opt.width >= 0,
              "decode_image", "height and width must both be > 0 (resize) or both 0 (keep), got ",
              opt.height, "x", opt.width);
  if (bytes.empty()) fail(name, "empty file");
  if (bytes.size() > static_cast<size_t>(INT_MAX)) fail(name, "file larger than 2 GiB");
  check_png_chunks(bytes, name);
  const auto* buf = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int len = static_cast<int>(bytes.size());
  int w = 0, h = 0, comp = 0;
  if (!stbi_info_from_memory(buf, len, &w, &h, &comp))
    fail(name, std::string("not a readable PNG/JPEG/BMP image (") + stbi_failure_reason() + ")");
  if (w <= 0 || h <= 0 || static_cast<int64_t>(w) * h > opt.max_pixels)
    fail(name, "image of " + std::to_string(w) + "x" + std::to_string(h) +
                   " pixels exceeds the limit of " + std::to_string(opt.max_pixels) + " pixels");

  if (info) *info = ImageInfo{h, w, comp, false};
  const int channels = opt.grayscale ? 1 : 3;
  std::unique_ptr<stbi_uc, void (*)(void*)> pixels(
      stbi_load_from_memory(buf, len, &w, &h, &comp, channels), stbi_image_free);
  if (!pixels) fail(name, std::string("corrupt image data (") + stbi_failure_reason() + ")");

  // Interleaved HWC bytes -> planar CHW floats in [0, 1].
  const int64_t H = h, W = w, C = channels;
  std::vector<float> chw(static_cast<size_t>(C * H * W));
  for (int64_t y = 0; y < H; ++y)
    for (int64_t x = 0; x < W; ++x)
      for (int64_t c = 0; c < C; ++c)
        chw[static_cast<size_t>((c * H + y) * W + x)] =
            static_cast<float>(pixels.get()[(y * W + x) * C + c]) / 255.0f;  // as torchvision
  pixels.reset();

  bool invert = opt.invert == ImageOptions::Invert::Yes;
  if (opt.invert == ImageOptions::Invert::Auto) {
    double m = 0;
    for (int64_t c = 0; c < C; ++c) m += border_mean(chw.data() + c * H * W, H, W);
    invert = m / static_cast<double>(C) > 0.5;
  }
  if (invert)
    for (float& v : chw) v = 1.0f - v;
  if (info) info->inverted = invert;

  Tensor img = Tensor::from_vector(chw, {C, H, W});
  if (opt.height == 0) return img;

  const int64_t OH = opt.height, OW = opt.width;
  if (!opt.keep_aspect || H * OW == W * OH) return resize_image(img, OH, OW);
  // Fit the whole image inside the output and fill the margins with the background (the
  // border's mean), keeping the object centred. Resizing first keeps memory at the output
  // size: padding a 65536x1 image to a square first would need 16 GiB.
  const double scale = std::min(static_cast<double>(OH) / H, static_cast<double>(OW) / W);
  const int64_t nh = std::clamp<int64_t>(std::llround(H * scale), 1, OH);
  const int64_t nw = std::clamp<int64_t>(std::llround(W * scale), 1, OW);
  const std::vector<float> fit = resize_image(img, nh, nw).to_vector<float>();
  const int64_t top = (OH - nh) / 2, left = (OW - nw) / 2;
  std::vector<float> out(static_cast<size_t>(C * OH * OW));
  for (int64_t c = 0; c < C; ++c) {
    float* dst = out.data() + c * OH * OW;
    std::fill(dst, dst + OH * OW, static_cast<float>(border_mean(chw.data() + c * H * W, H, W)));
    const float* src = fit.data() + c * nh * nw;
    for (int64_t y = 0; y < nh; ++y)
      std::copy(src + y * nw, src + (y + 1) * nw, dst + (y + top) * OW + left);
  }
  return Tensor::from_vector(out, {C, OH, OW});
}

Tensor load_image(const std::string& path, const ImageOptions& options, ImageInfo* info) {
  // A folder opens as a stream of unknown size; say what it is instead of "larger than 2 GiB".
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    fail(path, S_ISDIR(st.st_mode) ? "is a folder, expected an image file" : "not a regular file");
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) fail(path, std::string("cannot open: ") + std::strerror(errno));
  const std::streamoff size = f.tellg();
  if (size < 0) fail(path, "cannot determine the file size");
  if (size > INT_MAX) fail(path, "file larger than 2 GiB");
  std::string bytes(static_cast<size_t>(size), '\0');
  f.seekg(0);
  if (!f.read(bytes.data(), size)) fail(path, "read error");
  return decode_image(bytes, options, path, info);
}

Tensor resize_image(const Tensor& image, int64_t out_h, int64_t out_w) {
  NABLA_CHECK(image.defined() && image.dim() == 3, "resize_image", "expected (C, H, W), got ",
              image.defined() ? shape_str(image.shape()) : "undefined");
  NABLA_CHECK(out_h > 0 && out_w > 0 && out_h <= (1 << 16) && out_w <= (1 << 16), "resize_image",
              "output size must be in [1, 65536], got ", out_h, "x", out_w);
  const int64_t C = image.size(0), H = image.size(1), W = image.size(2);
  NABLA_CHECK(H > 0 && W > 0, "resize_image", "empty image ", shape_str(image.shape()));
  const std::vector<float> src = image.to_vector<float>();
  if (H == out_h && W == out_w) return Tensor::from_vector(src, {C, H, W});
  std::vector<float> dst(static_cast<size_t>(C * out_h * out_w));
  // Box averages every source pixel when shrinking (a photo to 28x28); triangle is bilinear
  // when enlarging and, unlike the cubic default, cannot overshoot [0, 1].
  const stbir_filter filter = (out_h < H || out_w < W) ? STBIR_FILTER_BOX : STBIR_FILTER_TRIANGLE;
  for (int64_t c = 0; c < C; ++c) {
    const int ok = stbir_resize_float_generic(
        src.data() + c * H * W, static_cast<int>(W), static_cast<int>(H), 0,
        dst.data() + c * out_h * out_w, static_cast<int>(out_w), static_cast<int>(out_h), 0, 1,
        STBIR_ALPHA_CHANNEL_NONE, 0, STBIR_EDGE_CLAMP, filter, STBIR_COLORSPACE_LINEAR, nullptr);
    NABLA_CHECK(ok, "resize_image", "stb_image_resize failed for ", shape_str(image.shape()),
                " -> ", out_h, "x", out_w);
  }
  for (float& v : dst) v = std::clamp(v, 0.0f, 1.0f);
  return Tensor::from_vector(dst, {C, out_h, out_w});
}

std::string encode_png(const Tensor& image, int scale) {
  NABLA_CHECK(image.defined() && (image.dim() == 2 || image.dim() == 3), "write_png",
              "expected (H, W) or (C, H, W), got ",
              image.defined() ? shape_str(image.shape()) : "undefined");
  const int64_t C = image.dim() == 2 ? 1 : image.size(0);
  const int64_t H = image.size(-2), W = image.size(-1);
  NABLA_CHECK(C == 1 || C == 3, "write_png", "expected 1 or 3 channels, got ", C);
  NABLA_CHECK(scale >= 1 && scale <= 64, "write_png", "scale must be in [1, 64], got ", scale);
  NABLA_CHECK(H > 0 && W > 0 && H * scale <= (1 << 16) && W * scale <= (1 << 16), "write_png",
              "image size ", H, "x", W, " (x", scale, ") outside [1, 65536]");
  const std::vector<double> v = image.to_vector<double>();
  const int64_t OH = H * scale, OW = W * scale;
  std::vector<unsigned char> px(static_cast<size_t>(OH * OW * C));
  for (int64_t y = 0; y < OH; ++y)
    for (int64_t x = 0; x < OW; ++x)
      for (int64_t c = 0; c < C; ++c) {
        double s = v[static_cast<size_t>((c * H + y / scale) * W + x / scale)];
        if (!(s >= 0)) s = 0;  // NaN too
        if (s > 1) s = 1;
        px[static_cast<size_t>((y * OW + x) * C + c)] =
            static_cast<unsigned char>(std::lround(s * 255));
      }
  std::string out;
  auto sink = [](void* ctx, void* data, int size) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data),
                                           static_cast<size_t>(size));
  };
  const int ok = stbi_write_png_to_func(sink, &out, static_cast<int>(OW), static_cast<int>(OH),
                                        static_cast<int>(C), px.data(), static_cast<int>(OW * C));
  NABLA_CHECK(ok, "write_png", "PNG encoding failed");
  return out;
}

void write_png(const std::string& path, const Tensor& image, int scale) {
  const std::string png = encode_png(image, scale);
  // Temp file then rename, so a report never links a half-written picture. nabla/data may not
  // use nabla/io (layering), hence not io::AtomicFile; it cleans up the same way on failure.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw IoError("write_png: cannot open '" + tmp + "': " + std::strerror(errno));
    f.write(png.data(), static_cast<std::streamsize>(png.size()));
    f.flush();
    if (!f) {
      f.close();
      std::remove(tmp.c_str());
      throw IoError("write_png: write error on '" + path + "' (disk full?)");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    throw IoError("write_png: cannot rename '" + tmp + "' to '" + path +
                  "': " + std::strerror(err));
  }
}

Tensor make_grid(const Tensor& images, int64_t cols, int64_t pad, double pad_value) {
  NABLA_CHECK(images.defined() && images.dim() == 4, "make_grid", "expected (N, C, H, W), got ",
              images.defined() ? shape_str(images.shape()) : "undefined");
  NABLA_CHECK(cols >= 1 && pad >= 0, "make_grid", "need cols >= 1 and pad >= 0, got cols ", cols,
              " pad ", pad);
  const int64_t N = images.size(0), C = images.size(1), H = images.size(2), W = images.size(3);
  const int64_t ncol = std::min(cols, std::max<int64_t>(N, 1));
  const int64_t nrow = (N + ncol - 1) / ncol;
  const int64_t GH = nrow * (H + pad) + pad, GW = ncol * (W + pad) + pad;
  const std::vector<float> src = images.to_vector<float>();
  std::vector<float> grid(static_cast<size_t>(C * GH * GW), static_cast<float>(pad_value));
  for (int64_t i = 0; i < N; ++i) {
    const int64_t oy = pad + (i / ncol) * (H + pad), ox = pad + (i % ncol) * (W + pad);
    for (int64_t c = 0; c < C; ++c)
      for (int64_t y = 0; y < H; ++y) {
        const float* s = src.data() + ((i * C + c) * H + y) * W;
        std::copy(s, s + W, grid.data() + (c * GH + oy + y) * GW + ox);
      }
  }
  return Tensor::from_vector(grid, {C, GH, GW});
}

}  // namespace nabla::data
