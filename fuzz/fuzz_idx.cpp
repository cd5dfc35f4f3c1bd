// libFuzzer: IDX bytes (gzip or plain) -> parse_idx must either succeed or throw nabla::Error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "nabla/core/storage.hpp"
#include "nabla/data/idx.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    // A 64 MiB ceiling keeps a hostile header inside the fuzzer's 512 MB RSS limit.
    const nabla::data::IdxArray a = nabla::data::parse_idx(bytes, "fuzz", size_t{64} << 20);
    if (a.numel() <= (1 << 16)) (void)a.to_tensor(nabla::DType::Float32);
  } catch (const nabla::Error&) {
  }
  nabla::storage_pool_release();  // the pool would otherwise hide use-after-free and grow
  return 0;
}
