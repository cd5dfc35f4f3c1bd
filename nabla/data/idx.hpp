// IDX files (the MNIST / Fashion-MNIST container): a 4-byte magic {0, 0, type, ndims},
// ndims big-endian uint32 dimensions, then the values in big-endian row-major order.
// Files may be gzip-compressed (detected by the gzip magic) or plain.
//
// Everything a header claims is checked before memory is reserved: the dimensions' product
// must fit the size limit, and the (decompressed) payload must be exactly that long, so a
// corrupt or hostile header cannot make us allocate gigabytes or read past the end.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nabla/core/tensor.hpp"

namespace nabla::data {

enum class IdxType : uint8_t {
  UInt8 = 0x08,
  Int8 = 0x09,
  Int16 = 0x0B,
  Int32 = 0x0C,
  Float32 = 0x0D,
  Float64 = 0x0E,
};
size_t idx_type_size(IdxType t);
const char* idx_type_name(IdxType t);

struct IdxArray {
  IdxType type = IdxType::UInt8;
  Shape shape;
  std::vector<uint8_t> bytes;  // values in host byte order, row-major

  int64_t numel() const { return shape_numel(shape); }
  // Converts the values to a contiguous tensor of `dtype` (no scaling).
  Tensor to_tensor(DType dtype) const;
};

// 512 MiB of decompressed payload: 10x the largest MNIST-family file, far below anything that
// would hurt the machine. Callers (the fuzzer) may pass a smaller limit.
constexpr size_t kIdxMaxBytes = size_t{512} << 20;
constexpr int kIdxMaxDims = 8;

// Reads a .gz or plain IDX file. Throws IoError naming `path` and the problem.
IdxArray read_idx(const std::string& path, size_t max_bytes = kIdxMaxBytes);
// Same from bytes in memory (gzip or plain); `name` is used in error messages.
IdxArray parse_idx(const std::string& bytes, const std::string& name = "<memory>",
                   size_t max_bytes = kIdxMaxBytes);
// Writes an IDX file (gzip-compressed when `gzip`), for tests and for exporting data sets.
void write_idx(const std::string& path, const IdxArray& array, bool gzip = true);
// The exact bytes write_idx(..., gzip=false) would write.
std::string encode_idx(const IdxArray& array);

}  // namespace nabla::data
