// safetensors: an 8-byte little-endian header length, a JSON header
// {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}},
// then the raw little-endian data. Used for checkpoints and for the test fixtures.
#pragma once
#include <map>
#include <string>

#include "nabla/core/tensor.hpp"

namespace nabla::io {

using TensorMap = std::map<std::string, Tensor>;
using Metadata = std::map<std::string, std::string>;

// Writes atomically: a temp file beside `path`, then rename.
void save_safetensors(const std::string& path, const TensorMap& tensors, const Metadata& meta = {});
// Throws IoError naming the file and what is wrong (truncated, bad header, offsets out of range).
TensorMap load_safetensors(const std::string& path, Metadata* meta = nullptr);
// Same, from bytes in memory (the fuzz target uses this).
TensorMap parse_safetensors(const std::string& bytes, Metadata* meta = nullptr);

}  // namespace nabla::io
