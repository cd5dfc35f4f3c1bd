#include "nabla/io/safetensors.hpp"

#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nabla/io/atomic_file.hpp"

namespace nabla::io {
namespace {

const char* code_of(DType t) {
  return t == DType::Float32 ? "F32" : t == DType::Float64 ? "F64" : "I64";
}

DType dtype_of(const std::string& code, const std::string& name) {
  if (code == "F32") return DType::Float32;
  if (code == "F64") return DType::Float64;
  if (code == "I64") return DType::Int64;
  throw IoError("safetensors: tensor '" + name + "' has unsupported dtype '" + code +
                "' (nabla reads F32, F64, I64)");
}

std::string hex32(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

// The "nabla.crc32" entry: tensor name -> checksum. Throws IoError when it is not a JSON object
// of 8-hex-digit strings naming exactly the file's tensors.
std::map<std::string, uint32_t> read_checksums(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception&) {
    throw IoError(std::string("safetensors: metadata '") + kChecksumKey +
                  "' is not valid JSON (corrupt file)");
  }
  if (!j.is_object())
    throw IoError(std::string("safetensors: metadata '") + kChecksumKey + "' is not an object");
  std::map<std::string, uint32_t> out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const auto& v = it.value();
    const std::string s = v.is_string() ? v.get<std::string>() : "";
    if (s.size() != 8 || s.find_first_not_of("0123456789abcdef") != std::string::npos)
      throw IoError("safetensors: checksum of tensor '" + it.key() +
                    "' is malformed (corrupt file)");
    out[it.key()] = static_cast<uint32_t>(std::stoul(s, nullptr, 16));
  }
  return out;
}

}  // namespace

// A written file lists every tensor it holds; a tensor or checksum that appeared or vanished is
// damage as much as a flipped bit is.
void verify_checksums(const TensorMap& tensors, const std::map<std::string, uint32_t>& sums) {
  for (const auto& [name, t] : tensors) {
    auto it = sums.find(name);
    if (it == sums.end())
      throw IoError("safetensors: tensor '" + name + "' has no checksum (corrupt file)");
    const uint32_t got = crc32(t.raw_data(), t.numel() * dtype_size(t.dtype()));
    if (got != it->second)
      throw IoError("safetensors: tensor '" + name + "' fails its CRC32 check (stored " +
                    hex32(it->second) + ", computed " + hex32(got) +
                    "): the file was damaged after it was written");
  }
  for (const auto& [name, sum] : sums) {
    (void)sum;
    if (!tensors.count(name))
      throw IoError("safetensors: tensor '" + name +
                    "' is listed in the checksums but missing (corrupt file)");
  }
}

uint32_t crc32(const void* data, size_t size, uint32_t crc) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  const auto* p = static_cast<const unsigned char*>(data);
  crc = ~crc;
  for (size_t i = 0; i < size; ++i) crc = table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

void save_safetensors(const std::string& path, const TensorMap& tensors, const Metadata& meta) {
  nlohmann::json header = nlohmann::json::object();
  nlohmann::json sums = nlohmann::json::object();
  size_t offset = 0;
  std::vector<Tensor> blobs;
  for (const auto& [name, t] : tensors) {
    NABLA_CHECK(t.defined(), "save_safetensors", "tensor '", name, "' is undefined");
    Tensor c = t.is_contiguous() ? t : t.clone_data();
    const size_t n = c.numel() * dtype_size(c.dtype());
    header[name] = {{"dtype", code_of(c.dtype())},
                    {"shape", c.shape()},
                    {"data_offsets", {offset, offset + n}}};
    sums[name] = hex32(crc32(c.raw_data(), n));
    offset += n;
    blobs.push_back(c);
  }
  Metadata all = meta;
  all[kChecksumKey] = sums.dump();
  header["__metadata__"] = all;
  std::string hs = header.dump();
  hs.append((8 - hs.size() % 8) % 8, ' ');
  AtomicFile f(path);
  uint64_t len = hs.size();
  unsigned char le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(len >> (8 * i));
  f.write(le, 8);
  f.write(hs);
  for (const Tensor& b : blobs) f.write(b.raw_data(), b.numel() * dtype_size(b.dtype()));
  f.commit();
}

TensorMap parse_safetensors(const std::string& bytes, Metadata* meta) {
  if (bytes.size() < 8)
    throw IoError("safetensors: file too short for a header (" + std::to_string(bytes.size()) +
                  " bytes)");
  uint64_t len = 0;
  for (int i = 0; i < 8; ++i)
    len |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
  if (len > bytes.size() - 8)
    throw IoError("safetensors: header length " + std::to_string(len) + " exceeds file size " +
                  std::to_string(bytes.size()));
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + len);
  } catch (const std::exception& e) {
    throw IoError(std::string("safetensors: header is not valid JSON: ") + e.what());
  }
  if (!header.is_object()) throw IoError("safetensors: header is not a JSON object");
  const size_t data_start = 8 + len;
  const size_t data_size = bytes.size() - data_start;
  TensorMap out;
  bool has_sums = false;
  std::map<std::string, uint32_t> sums;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const auto& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) continue;
      for (auto m = v.begin(); m != v.end(); ++m) {
        const std::string text =
            m.value().is_string() ? m.value().get<std::string>() : m.value().dump();
        if (m.key() == kChecksumKey) {
          sums = read_checksums(text);
          has_sums = true;
        } else if (meta) {
          (*meta)[m.key()] = text;
        }
      }
      continue;
    }
    try {
      const DType dt = dtype_of(v.at("dtype").get<std::string>(), name);
      Shape shape = v.at("shape").get<Shape>();
      auto offs = v.at("data_offsets").get<std::vector<uint64_t>>();
      if (offs.size() != 2 || offs[0] > offs[1] || offs[1] > data_size)
        throw IoError("safetensors: tensor '" + name + "' has data offsets outside the file");
      uint64_t n = 1;
      for (int64_t s : shape) {
        if (s < 0 || (s > 0 && n > (uint64_t(1) << 40) / static_cast<uint64_t>(s)))
          throw IoError("safetensors: tensor '" + name + "' has an invalid shape");
        n *= static_cast<uint64_t>(s);
      }
      if (n * dtype_size(dt) != offs[1] - offs[0])
        throw IoError("safetensors: tensor '" + name + "' shape " + shape_str(shape) +
                      " does not match its byte range");
      out[name] = Tensor::from_buffer(bytes.data() + data_start + offs[0], shape, dt);
    } catch (const nlohmann::json::exception& e) {
      throw IoError("safetensors: malformed entry for '" + name + "': " + e.what());
    }
  }
  if (has_sums) verify_checksums(out, sums);
  return out;
}

TensorMap load_safetensors(const std::string& path, Metadata* meta) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw IoError("cannot open '" + path + "'");
  std::ostringstream ss;
  ss << f.rdbuf();
  try {
    return parse_safetensors(ss.str(), meta);
  } catch (const IoError& e) {
    throw IoError(path + ": " + e.what());
  }
}

}  // namespace nabla::io
