// safetensors: an 8-byte little-endian header length, a JSON header
// {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}},
// then the raw little-endian data. Used for checkpoints and for the test fixtures.
//
// nabla adds one metadata entry, "nabla.crc32": a JSON object mapping every tensor name to the
// CRC32 (zlib's polynomial, 8 hex digits) of its bytes. Reading verifies it when present, so a
// flipped bit in a checkpoint is an error instead of a silently wrong model; files from other
// writers (PyTorch's safetensors, the test fixtures) have none and load as before. The entry is
// not returned in `meta` and a caller's entry of that name is replaced on save.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "nabla/core/tensor.hpp"

namespace nabla::io {

using TensorMap = std::map<std::string, Tensor>;
using Metadata = std::map<std::string, std::string>;

inline constexpr const char* kChecksumKey = "nabla.crc32";

// CRC-32 as zlib's crc32() computes it; `crc` continues an earlier result.
uint32_t crc32(const void* data, size_t size, uint32_t crc = 0);

// Writes atomically (io::AtomicFile): the old file stays intact on any failure.
void save_safetensors(const std::string& path, const TensorMap& tensors, const Metadata& meta = {});
// Throws IoError naming the file and what is wrong (truncated, bad header, offsets out of range,
// a tensor whose bytes fail their checksum).
TensorMap load_safetensors(const std::string& path, Metadata* meta = nullptr);
// Same, from bytes in memory (the fuzz target uses this).
TensorMap parse_safetensors(const std::string& bytes, Metadata* meta = nullptr);

}  // namespace nabla::io
