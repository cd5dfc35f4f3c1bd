// libFuzzer: safetensors bytes -> parse_safetensors must either succeed or throw nabla::Error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "nabla/core/storage.hpp"
#include "nabla/io/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    nabla::io::Metadata meta;
    (void)nabla::io::parse_safetensors(bytes, &meta);
  } catch (const nabla::Error&) {
  }
  nabla::storage_pool_release();
  return 0;
}
