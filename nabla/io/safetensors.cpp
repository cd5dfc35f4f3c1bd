#include "nabla/io/safetensors.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

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

}  // namespace

void save_safetensors(const std::string& path, const TensorMap& tensors, const Metadata& meta) {
  nlohmann::json header = nlohmann::json::object();
  size_t offset = 0;
  std::vector<Tensor> blobs;
  for (const auto& [name, t] : tensors) {
    NABLA_CHECK(t.defined(), "save_safetensors", "tensor '", name, "' is undefined");
    Tensor c = t.is_contiguous() ? t : t.clone_data();
    const size_t n = c.numel() * dtype_size(c.dtype());
    header[name] = {{"dtype", code_of(c.dtype())}, {"shape", c.shape()},
                    {"data_offsets", {offset, offset + n}}};
    offset += n;
    blobs.push_back(c);
  }
  if (!meta.empty()) header["__metadata__"] = meta;
  std::string hs = header.dump();
  hs.append((8 - hs.size() % 8) % 8, ' ');
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw IoError("save_safetensors: cannot open '" + tmp + "' for writing");
    uint64_t len = hs.size();
    unsigned char le[8];
    for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(len >> (8 * i));
    f.write(reinterpret_cast<const char*>(le), 8);
    f.write(hs.data(), hs.size());
    for (const Tensor& b : blobs)
      f.write(static_cast<const char*>(b.raw_data()), b.numel() * dtype_size(b.dtype()));
    f.flush();
    if (!f) throw IoError("save_safetensors: write to '" + tmp + "' failed (disk full?)");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw IoError("save_safetensors: cannot rename '" + tmp + "' to '" + path + "'");
  }
}

TensorMap parse_safetensors(const std::string& bytes, Metadata* meta) {
  if (bytes.size() < 8) throw IoError("safetensors: file too short for a header (" +
                                      std::to_string(bytes.size()) + " bytes)");
  uint64_t len = 0;
  for (int i = 0; i < 8; ++i) len |= static_cast<uint64_t>(static_cast<unsigned char>(bytes[i])) << (8 * i);
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
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const auto& v = it.value();
    if (name == "__metadata__") {
      if (meta && v.is_object())
        for (auto m = v.begin(); m != v.end(); ++m)
          (*meta)[m.key()] = m.value().is_string() ? m.value().get<std::string>() : m.value().dump();
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
