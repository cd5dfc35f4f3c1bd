#include "nabla/onnx/external_data.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "nabla/core/error.hpp"
#include "nabla/onnx/tensor_io.hpp"

namespace nabla::onnx {
namespace {

namespace fs = std::filesystem;
using TP = ::onnx::TensorProto;

struct Location {
  std::string file;
  int64_t offset = 0, length = -1;  // -1: to the end of the file
};

[[noreturn]] void fail(const TP& t, const std::string& msg) {
  throw IoError("onnx tensor '" + t.name() + "': external data: " + msg);
}

int64_t parse_count(const TP& t, const std::string& key, const std::string& value) {
  size_t used = 0;
  long long v = -1;
  try {
    v = std::stoll(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || value.empty() || v < 0)
    fail(t, key + " '" + value + "' is not a non-negative integer");
  return v;
}

Location location_of(const TP& t) {
  Location loc;
  for (const auto& e : t.external_data()) {
    if (e.key() == "location") loc.file = e.value();
    if (e.key() == "offset") loc.offset = parse_count(t, "offset", e.value());
    if (e.key() == "length") loc.length = parse_count(t, "length", e.value());
  }
  if (loc.file.empty()) fail(t, "no location");
  return loc;
}

// model_dir / file, or an IoError when the file lies outside model_dir (absolute, "..", or a
// symlink that resolves elsewhere).
fs::path contained_path(const TP& t, const std::string& model_dir, const std::string& file) {
  const fs::path rel(file);
  const bool climbs =
      std::any_of(rel.begin(), rel.end(), [](const fs::path& p) { return p == ".."; });
  if (rel.is_absolute() || rel.has_root_name() || climbs)
    fail(t, "location '" + file + "' is not a path inside the model's folder");
  std::error_code ec;
  const fs::path base = fs::weakly_canonical(model_dir.empty() ? "." : model_dir, ec);
  const fs::path full = fs::weakly_canonical(base / rel, ec);
  if (ec) fail(t, "location '" + file + "': " + ec.message());
  const auto [b, f] = std::mismatch(base.begin(), base.end(), full.begin(), full.end());
  if (b != base.end()) fail(t, "location '" + file + "' leads out of the model's folder");
  if (!fs::is_regular_file(full, ec)) fail(t, "'" + full.string() + "' is not a file");
  return full;
}

// Bytes per element of the types tensor_io reads (0 for the others, which it refuses anyway).
int64_t elem_size(int type) {
  switch (type) {
    case TP::FLOAT:
    case TP::INT32:
      return 4;
    case TP::DOUBLE:
    case TP::INT64:
      return 8;
    case TP::INT8:
    case TP::UINT8:
    case TP::BOOL:
      return 1;
    default:
      return 0;
  }
}

// The byte count the tensor's shape needs, -1 when the dims are unusable (tensor_io names why).
int64_t wanted_bytes(const TP& t) {
  constexpr int64_t kMax = int64_t{1} << 40;
  int64_t n = elem_size(t.data_type());
  for (int64_t d : t.dims()) {
    if (d < 0 || (d > 0 && n > kMax / d)) return -1;
    n *= d;
  }
  return n;
}

void read_into(TP& t, const std::string& model_dir) {
  const Location loc = location_of(t);
  const fs::path path = contained_path(t, model_dir, loc.file);
  std::error_code ec;
  const auto size = static_cast<int64_t>(fs::file_size(path, ec));
  if (ec) fail(t, path.string() + ": " + ec.message());
  if (loc.offset > size) fail(t, "offset " + std::to_string(loc.offset) + " is past the end");
  const int64_t length = loc.length < 0 ? size - loc.offset : loc.length;
  if (length > size - loc.offset)
    fail(t, "offset " + std::to_string(loc.offset) + " + length " + std::to_string(length) +
                " is past the end of " + path.string() + " (" + std::to_string(size) + " bytes)");
  if (elem_size(t.data_type()) == 0)
    throw Unsupported("onnx tensor '" + t.name() + "': data type " + std::to_string(t.data_type()) +
                      " is not supported");
  const int64_t want = wanted_bytes(t);
  if (want < 0) fail(t, "the dims are negative or have more than 2^40 elements");
  if (want != length)
    fail(t, std::to_string(length) + " bytes, the shape needs " + std::to_string(want));
  std::string bytes(static_cast<size_t>(length), '\0');
  std::ifstream in(path, std::ios::binary);
  in.seekg(loc.offset);
  if (!in.read(bytes.data(), length)) fail(t, "cannot read " + path.string());
  t.set_raw_data(std::move(bytes));
  t.clear_external_data();
  t.set_data_location(TP::DEFAULT);
}

}  // namespace

void load_external_data(::onnx::ModelProto& model, const std::string& model_dir) {
  for (auto& t : *model.mutable_graph()->mutable_initializer())
    if (t.data_location() == TP::EXTERNAL) read_into(t, model_dir);
}

}  // namespace nabla::onnx
