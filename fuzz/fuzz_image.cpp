// libFuzzer: the first byte picks decode options, the rest is an image file (PNG/JPEG/BMP).
#include <cstddef>
#include <cstdint>
#include <string>

#include "nabla/core/storage.hpp"
#include "nabla/data/image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  nabla::data::ImageOptions opt;
  opt.grayscale = (data[0] & 1) == 0;
  opt.invert = static_cast<nabla::data::ImageOptions::Invert>((data[0] >> 1) % 3);
  opt.keep_aspect = (data[0] & 8) == 0;
  if (data[0] & 16) opt.height = opt.width = 0;  // keep the decoded size
  opt.max_pixels = 1 << 20;                      // stays within the fuzzer's RSS limit
  const std::string bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  try {
    (void)nabla::data::decode_image(bytes, opt, "fuzz");
  } catch (const nabla::Error&) {
  }
  nabla::storage_pool_release();
  return 0;
}
