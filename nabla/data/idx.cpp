#include "nabla/data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "nabla/core/checked.hpp"

namespace nabla::data {
namespace {

[[noreturn]] void fail(const std::string& name, const std::string& what) {
  throw IoError("IDX file '" + name + "': " + what);
}

bool is_valid_type(uint8_t t) {
  return t == 0x08 || t == 0x09 || t == 0x0B || t == 0x0C || t == 0x0D || t == 0x0E;
}

bool is_gzip(const std::string& bytes) {
  return bytes.size() >= 2 && static_cast<uint8_t>(bytes[0]) == 0x1f &&
         static_cast<uint8_t>(bytes[1]) == 0x8b;
}

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// Pulls decompressed bytes out of an in-memory gzip stream on demand, so the header can be
// validated before the payload buffer is allocated. Concatenated gzip members are accepted
// (that is what `cat a.gz b.gz` and gzip itself produce); anything else after the stream is not.
class GzipSource {
 public:
  GzipSource(const std::string& in, const std::string& name) : name_(name) {
    std::memset(&zs_, 0, sizeof zs_);
    if (inflateInit2(&zs_, 15 + 16) != Z_OK) fail(name_, "cannot initialise zlib");
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs_.avail_in = static_cast<uInt>(in.size());
  }
  ~GzipSource() { inflateEnd(&zs_); }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  // Fills up to n bytes; returns fewer only when the compressed stream has ended.
  size_t read(uint8_t* dst, size_t n) {
    size_t produced = 0;
    while (produced < n && !ended_) {
      const size_t chunk = std::min<size_t>(n - produced, UINT_MAX);
      zs_.next_out = dst + produced;
      zs_.avail_out = static_cast<uInt>(chunk);
      const int ret = inflate(&zs_, Z_NO_FLUSH);
      produced += chunk - zs_.avail_out;
      if (ret == Z_STREAM_END) {
        if (zs_.avail_in == 0) {
          ended_ = true;
        } else if (zs_.avail_in >= 2 && zs_.next_in[0] == 0x1f && zs_.next_in[1] == 0x8b) {
          inflateReset(&zs_);
        } else {
          fail(name_, "unexpected bytes after the end of the gzip stream");
        }
      } else if (ret == Z_BUF_ERROR) {
        // No progress possible: with output space left that means the input ran out.
        if (zs_.avail_out > 0) fail(name_, "truncated gzip stream (file cut short?)");
      } else if (ret != Z_OK) {
        fail(name_, std::string("corrupt gzip data: ") +
                        (zs_.msg ? zs_.msg : "zlib error " + std::to_string(ret)));
      }
    }
    return produced;
  }
  bool ended() const { return ended_; }

 private:
  z_stream zs_;
  std::string name_;
  bool ended_ = false;
};

class PlainSource {
 public:
  explicit PlainSource(const std::string& in) : in_(in) {}
  size_t read(uint8_t* dst, size_t n) {
    const size_t k = std::min(n, in_.size() - pos_);
    if (k > 0) std::memcpy(dst, in_.data() + pos_, k);  // dst may be null when k == 0
    pos_ += k;
    return k;
  }
  bool ended() const { return pos_ == in_.size(); }

 private:
  const std::string& in_;
  size_t pos_ = 0;
};

template <class Source>
IdxArray parse_from(Source& src, const std::string& name, size_t max_bytes) {
  uint8_t magic[4];
  if (src.read(magic, 4) != 4) fail(name, "shorter than the 4-byte magic number");
  if (magic[0] != 0 || magic[1] != 0)
    fail(name, "bad magic number (expected 00 00 <type> <ndims>); not an IDX file");
  if (!is_valid_type(magic[2])) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02x", magic[2]);
    fail(name, std::string("unknown element type ") + buf +
                   " (expected 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32 or 0x0E f64)");
  }
  const int ndims = magic[3];
  if (ndims < 1 || ndims > kIdxMaxDims)
    fail(name, "number of dimensions " + std::to_string(ndims) + " is outside [1, " +
                   std::to_string(kIdxMaxDims) + "]");

  IdxArray out;
  out.type = static_cast<IdxType>(magic[2]);
  const size_t esize = idx_type_size(out.type);
  uint8_t dims_raw[4 * kIdxMaxDims];
  if (src.read(dims_raw, 4 * ndims) != size_t(4 * ndims))
    fail(name, "truncated header: expected " + std::to_string(ndims) + " dimensions");
  size_t count = 1;
  for (int d = 0; d < ndims; ++d) {
    const uint32_t v = read_be32(dims_raw + 4 * d);
    out.shape.push_back(v);
    // Checked before multiplying, so the product can neither overflow nor exceed the limit.
    if (v != 0 && count > max_bytes / esize / v) {
      fail(name, "dimensions " + shape_str(out.shape) + (d + 1 < ndims ? "..." : "") +
                     " describe more than the limit of " + std::to_string(max_bytes) +
                     " bytes (corrupt header?)");
    }
    count *= v;
  }
  const size_t payload = count * esize;
  // Grow with the data actually present rather than trusting the header: a truncated file
  // that claims 500 MB then costs what it holds, not 500 MB.
  size_t got = 0;
  while (got < payload) {
    const size_t chunk = std::min(payload - got, std::max<size_t>(got, size_t{1} << 20));
    out.bytes.resize(got + chunk);
    const size_t r = src.read(out.bytes.data() + got, chunk);
    got += r;
    if (r < chunk) break;
  }
  if (got != payload)
    fail(name, "truncated: header " + shape_str(out.shape) + " of " + idx_type_name(out.type) +
                   " needs " + std::to_string(payload) + " bytes of data, found " +
                   std::to_string(got));
  uint8_t extra;
  if (!src.ended() && src.read(&extra, 1) != 0)
    fail(name, "more data than the header " + shape_str(out.shape) + " describes");

  if (esize > 1 && std::endian::native == std::endian::little) {
    uint8_t* p = out.bytes.data();
    for (size_t i = 0; i < count; ++i, p += esize) std::reverse(p, p + esize);
  }
  return out;
}

template <class Src, class Dst>
void convert(const uint8_t* src, Dst* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    Src v;
    std::memcpy(&v, src + i * sizeof(Src), sizeof(Src));
    dst[i] = static_cast<Dst>(v);
  }
}

}  // namespace

size_t idx_type_size(IdxType t) {
  switch (t) {
    case IdxType::UInt8:
    case IdxType::Int8:
      return 1;
    case IdxType::Int16:
      return 2;
    case IdxType::Int32:
    case IdxType::Float32:
      return 4;
    case IdxType::Float64:
      return 8;
  }
  return 1;
}

const char* idx_type_name(IdxType t) {
  switch (t) {
    case IdxType::UInt8:
      return "uint8";
    case IdxType::Int8:
      return "int8";
    case IdxType::Int16:
      return "int16";
    case IdxType::Int32:
      return "int32";
    case IdxType::Float32:
      return "float32";
    case IdxType::Float64:
      return "float64";
  }
  return "?";
}

Tensor IdxArray::to_tensor(DType dtype) const {
  NABLA_CHECK(bytes.size() == checked_nbytes(numel(), idx_type_size(type), "IdxArray::to_tensor"),
              "IdxArray::to_tensor", "shape ", shape_str(shape), " does not match ", bytes.size(),
              " bytes");
  Tensor t = Tensor::empty(shape, dtype);
  const size_t n = static_cast<size_t>(numel());
  NABLA_DISPATCH(dtype, T, [&] {
    T* dst = t.data<T>();
    switch (type) {
      case IdxType::UInt8:
        convert<uint8_t>(bytes.data(), dst, n);
        break;
      case IdxType::Int8:
        convert<int8_t>(bytes.data(), dst, n);
        break;
      case IdxType::Int16:
        convert<int16_t>(bytes.data(), dst, n);
        break;
      case IdxType::Int32:
        convert<int32_t>(bytes.data(), dst, n);
        break;
      case IdxType::Float32:
        convert<float>(bytes.data(), dst, n);
        break;
      case IdxType::Float64:
        convert<double>(bytes.data(), dst, n);
        break;
    }
  });
  return t;
}

IdxArray parse_idx(const std::string& bytes, const std::string& name, size_t max_bytes) {
  if (is_gzip(bytes)) {
    // Bounds avail_in (32-bit in zlib); deflate never expands data by more than ~0.1%.
    if (bytes.size() > max_bytes + max_bytes / 8 + (1 << 20) || bytes.size() > UINT_MAX)
      fail(name, "compressed size " + std::to_string(bytes.size()) + " bytes exceeds the limit");
    GzipSource src(bytes, name);
    return parse_from(src, name, max_bytes);
  }
  PlainSource src(bytes);
  return parse_from(src, name, max_bytes);
}

IdxArray read_idx(const std::string& path, size_t max_bytes) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) fail(path, std::string("cannot open: ") + std::strerror(errno));
  const std::streamoff size = f.tellg();
  if (size < 0) fail(path, "cannot determine the file size");
  if (static_cast<uint64_t>(size) > max_bytes + max_bytes / 8 + (1 << 20))
    fail(path, "file of " + std::to_string(size) + " bytes exceeds the " +
                   std::to_string(max_bytes >> 20) + " MiB limit");
  std::string bytes(static_cast<size_t>(size), '\0');
  f.seekg(0);
  if (!f.read(bytes.data(), size)) fail(path, "read error");
  return parse_idx(bytes, path, max_bytes);
}

std::string encode_idx(const IdxArray& a) {
  const size_t esize = idx_type_size(a.type);
  NABLA_CHECK(!a.shape.empty() && a.shape.size() <= size_t(kIdxMaxDims), "encode_idx",
              "IDX needs 1 to ", kIdxMaxDims, " dimensions, got ", shape_str(a.shape));
  // checked: a shape whose byte count wraps to the buffer's size must not pass
  const size_t need = checked_nbytes(a.numel(), esize, "encode_idx");
  NABLA_CHECK(a.bytes.size() == need, "encode_idx", "shape ", shape_str(a.shape), " of ",
              idx_type_name(a.type), " needs ", need, " bytes, got ", a.bytes.size());
  std::string out;
  out.reserve(4 + 4 * a.shape.size() + a.bytes.size());
  out.push_back(0);
  out.push_back(0);
  out.push_back(static_cast<char>(a.type));
  out.push_back(static_cast<char>(a.shape.size()));
  for (int64_t d : a.shape) {
    NABLA_CHECK(d >= 0 && d <= int64_t{UINT32_MAX}, "encode_idx", "dimension ", d,
                " does not fit IDX's uint32");
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((uint64_t(d) >> s) & 0xff));
  }
  const size_t start = out.size();
  out.append(reinterpret_cast<const char*>(a.bytes.data()), a.bytes.size());
  if (esize > 1 && std::endian::native == std::endian::little) {
    for (size_t i = start; i < out.size(); i += esize)
      std::reverse(out.begin() + i, out.begin() + i + esize);
  }
  return out;
}

void write_idx(const std::string& path, const IdxArray& array, bool gzip) {
  const std::string raw = encode_idx(array);
  if (!gzip) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    if (!f) throw IoError("write_idx: cannot open '" + path + "': " + std::strerror(errno));
    f.write(raw.data(), static_cast<std::streamsize>(raw.size()));
    if (!f) throw IoError("write_idx: write error on '" + path + "'");
    return;
  }
  gzFile gz = gzopen(path.c_str(), "wb");
  if (!gz) throw IoError("write_idx: cannot open '" + path + "' for writing");
  size_t pos = 0;
  while (pos < raw.size()) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(raw.size() - pos, 1u << 30));
    if (gzwrite(gz, raw.data() + pos, chunk) != static_cast<int>(chunk)) {
      gzclose(gz);
      throw IoError("write_idx: write error on '" + path + "'");
    }
    pos += chunk;
  }
  if (gzclose(gz) != Z_OK) throw IoError("write_idx: error closing '" + path + "'");
}

}  // namespace nabla::data
