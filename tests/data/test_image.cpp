#include <gtest/gtest.h>

#include <cmath>

#include "nabla/data/image.hpp"
#include "temp_dir.hpp"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

using namespace nabla;
using namespace nabla::data;

namespace {

std::string png_of(int w, int h, int comp, const std::vector<unsigned char>& px) {
  std::string out;
  auto sink = [](void* ctx, void* data, int size) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), size);
  };
  EXPECT_TRUE(stbi_write_png_to_func(sink, &out, w, h, comp, px.data(), w * comp));
  return out;
}

ImageOptions keep_size(bool gray) {
  ImageOptions o;
  o.height = o.width = 0;
  o.grayscale = gray;
  return o;
}

}  // namespace

TEST(Image, DecodesColourPngOfOddSizeExactly) {
  const int w = 7, h = 5;
  std::vector<unsigned char> px(w * h * 3);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<unsigned char>((i * 29) % 256);
  test::TempDir dir;
  const std::string path = dir.file("colour.png");
  test::write_bytes(path, png_of(w, h, 3, px));
  const Tensor t = load_image(path, keep_size(false));
  ASSERT_EQ(t.shape(), (Shape{3, h, w}));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c)
        EXPECT_FLOAT_EQ(static_cast<float>(t.at({c, y, x})), px[(y * w + x) * 3 + c] / 255.0f);
}

TEST(Image, GrayscaleInputAndColourToGray) {
  const int w = 9, h = 13;
  std::vector<unsigned char> g(w * h);
  for (size_t i = 0; i < g.size(); ++i) g[i] = static_cast<unsigned char>(i * 2);
  const Tensor t = decode_image(png_of(w, h, 1, g), keep_size(true));
  ASSERT_EQ(t.shape(), (Shape{1, h, w}));
  EXPECT_FLOAT_EQ(static_cast<float>(t.at({0, 12, 8})), g[12 * 9 + 8] / 255.0f);
  // Pure red -> luma ~0.30 (stb weights 77/256), pure green ~0.59.
  std::vector<unsigned char> rg = {255, 0, 0, 0, 255, 0};
  const Tensor l = decode_image(png_of(2, 1, 3, rg), keep_size(true));
  EXPECT_NEAR(l.at({0, 0, 0}), 0.30, 0.01);
  EXPECT_NEAR(l.at({0, 0, 1}), 0.59, 0.01);
}

TEST(Image, ResizesAnySizeTo28x28) {
  std::vector<unsigned char> px(31 * 17, 153);  // constant 0.6
  const Tensor t = decode_image(png_of(31, 17, 1, px));
  ASSERT_EQ(t.shape(), (Shape{1, 28, 28}));
  for (float v : t.to_vector<float>()) EXPECT_NEAR(v, 0.6, 1e-3);
  // Upsampling a 3x3 image stays in [0, 1].
  std::vector<unsigned char> checker = {0, 255, 0, 255, 0, 255, 0, 255, 0};
  const Tensor u = decode_image(png_of(3, 3, 1, checker));
  for (float v : u.to_vector<float>()) {
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 1.0f);
  }
}

TEST(Image, AutoInvertTurnsLightBackgroundsDark) {
  // A dark 10x10 square on a white 40x30 page, like a photo of a garment on paper.
  const int w = 40, h = 30;
  std::vector<unsigned char> px(w * h, 255);
  for (int y = 10; y < 20; ++y)
    for (int x = 15; x < 25; ++x) px[y * w + x] = 0;
  ImageOptions o;
  o.invert = ImageOptions::Invert::Auto;
  const Tensor t = decode_image(png_of(w, h, 1, px), o);
  ASSERT_EQ(t.shape(), (Shape{1, 28, 28}));
  EXPECT_NEAR(t.at({0, 0, 0}), 0.0, 1e-3);    // background became black (padding too)
  EXPECT_NEAR(t.at({0, 14, 14}), 1.0, 1e-3);  // object became white
  o.invert = ImageOptions::Invert::No;
  EXPECT_NEAR(decode_image(png_of(w, h, 1, px), o).at({0, 0, 0}), 1.0, 1e-3);
}

TEST(Image, CorruptAndOversizedFilesAreIoErrors) {
  test::TempDir dir;
  const std::string bad = dir.file("bad.png");
  test::write_bytes(bad, "\x89PNG\r\n\x1a\nthis is not really a png at all");
  try {
    load_image(bad);
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
  }
  std::vector<unsigned char> px(64 * 64, 7);
  const std::string png = png_of(64, 64, 1, px);
  EXPECT_THROW(decode_image(png.substr(0, png.size() / 2)), IoError);  // truncated
  EXPECT_THROW(decode_image(""), IoError);
  // PNM is not enabled: stb's 16-bit PNM path overflows its buffer (found by fuzz/fuzz_image).
  EXPECT_THROW(decode_image("P5\n65 65\n555\n" + std::string(65 * 65 * 2, 'x')), IoError);
  EXPECT_THROW(load_image(dir.file("missing.png")), IoError);
  ImageOptions small;
  small.max_pixels = 1000;
  EXPECT_THROW(decode_image(png, small), IoError);
}

TEST(Image, AFolderIsNamedAsSuch) {
  test::TempDir dir;
  std::filesystem::create_directories(dir.file("pictures"));
  try {
    load_image(dir.file("pictures"));
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("is a folder, expected an image file"), std::string::npos)
        << e.what();
  }
}

TEST(Image, AFailedWritePngLeavesNoTempFile) {
  test::TempDir dir;
  const std::string path = dir.file("taken");
  std::filesystem::create_directories(path +
                                      "/inside");  // the rename onto a non-empty folder fails
  EXPECT_THROW(write_png(path, Tensor::zeros({4, 4})), IoError);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(Image, InfoReportsTheFileBeforeConversion) {
  std::vector<unsigned char> px(5 * 7 * 3, 200);
  ImageInfo info;
  const Tensor img = decode_image(png_of(7, 5, 3, px), {}, "x.png", &info);  // to 28x28 grayscale
  EXPECT_EQ(img.shape(), (Shape{1, 28, 28}));
  EXPECT_EQ(info.width, 7);
  EXPECT_EQ(info.height, 5);
  EXPECT_EQ(info.channels, 3);
  EXPECT_FALSE(info.inverted);
  EXPECT_EQ(describe(info), "7x5 RGB");
  ImageOptions inv;
  inv.invert = ImageOptions::Invert::Auto;
  decode_image(png_of(7, 5, 3, px), inv, "x.png", &info);
  EXPECT_TRUE(info.inverted);  // a light border: a photo on a white table
}

TEST(Image, WritePngRoundTripsAndScales) {
  std::vector<float> v(3 * 4 * 6);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 256) / 255.0f;
  const Tensor img = Tensor::from_vector(v, {3, 4, 6});
  test::TempDir dir;
  const std::string path = dir.file("out.png");
  write_png(path, img);
  const Tensor back = load_image(path, keep_size(false));
  ASSERT_EQ(back.shape(), img.shape());
  const std::vector<float> b = back.to_vector<float>();
  for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(b[i], v[i], 1e-6);

  const Tensor big = decode_image(
      encode_png(Tensor::from_vector(std::vector<float>(v.begin(), v.begin() + 24), {4, 6}), 3),
      keep_size(true));
  ASSERT_EQ(big.shape(), (Shape{1, 12, 18}));
  EXPECT_NEAR(big.at({0, 11, 17}), img.at({0, 3, 5}), 1e-6);
  EXPECT_THROW(write_png(path, Tensor::zeros({2, 4, 4})), Error);
}

TEST(Image, MakeGridTilesImages) {
  const Tensor imgs = Tensor::full({5, 1, 4, 4}, 0.5);
  const Tensor g = make_grid(imgs, 3, 1, 0.0);
  EXPECT_EQ(g.shape(), (Shape{1, 2 * 5 + 1, 3 * 5 + 1}));
  EXPECT_EQ(g.at({0, 0, 0}), 0.0);
  EXPECT_EQ(g.at({0, 1, 1}), 0.5);
  EXPECT_EQ(g.at({0, 7, 12}), 0.0);  // the 6th cell is empty
}

TEST(Image, PngChunkLongerThanTheFileIsRejectedBeforeAllocating) {
  // Found by fuzz/fuzz_image: an IDAT header claiming 512 MiB made stb_image allocate it.
  std::vector<unsigned char> px(4 * 4, 9);
  std::string png = png_of(4, 4, 1, px);
  const size_t idat = png.find("IDAT");
  ASSERT_NE(idat, std::string::npos);
  const std::string huge("\x20\x00\x00\x00", 4);  // 0x20000000 bytes
  png.replace(idat - 4, 4, huge);
  try {
    decode_image(png, {}, "huge.png");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("PNG chunk claims 536870912 bytes"), std::string::npos)
        << e.what();
  }
}

TEST(Image, ExtremeAspectRatiosFitWithoutPaddingToASquare) {
  // Found by fuzz/fuzz_image: a 3x5213 PGM was padded to 5213x5213 before resizing.
  std::vector<unsigned char> px(1 * 20000, 255);
  const Tensor t = decode_image(png_of(20000, 1, 1, px));
  ASSERT_EQ(t.shape(), (Shape{1, 28, 28}));
  EXPECT_NEAR(t.at({0, 13, 5}), 1.0, 1e-5);  // the strip, one row high, centred
  EXPECT_NEAR(t.at({0, 0, 0}), 1.0, 1e-5);   // margins take the border's value
  const Tensor tall = decode_image(png_of(3, 5213, 1, std::vector<unsigned char>(3 * 5213, 128)));
  EXPECT_EQ(tall.shape(), (Shape{1, 28, 28}));
  EXPECT_NEAR(tall.at({0, 14, 14}), 128 / 255.0, 1e-3);
}
