#include "nabla/onnx/tensor_io.hpp"

#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "nabla/io/atomic_file.hpp"
#include "nabla/onnx/half_float.hpp"

namespace nabla::onnx {
namespace {

using TP = ::onnx::TensorProto;

constexpr int64_t kMaxRank = 32;
constexpr int64_t kMaxNumel = int64_t{1} << 40;

[[noreturn]] void fail(const std::string& what, const std::string& msg) {
  throw IoError("onnx tensor '" + what + "': " + msg);
}

Shape checked_shape(const TP& t, const std::string& what) {
  if (t.dims_size() > kMaxRank)
    fail(what, "rank " + std::to_string(t.dims_size()) + " is above " + std::to_string(kMaxRank));
  Shape shape(t.dims().begin(), t.dims().end());
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) fail(what, "negative dim " + std::to_string(d) + " in " + shape_str(shape));
    if (d > kMaxNumel || (d > 0 && n > kMaxNumel / d))
      fail(what, "shape " + shape_str(shape) + " has more than 2^40 elements");
    n *= d;
  }
  return shape;
}

// The bytes per element of raw_data for a data type nabla reads, 0 for the others.
size_t raw_size(int type) {
  switch (type) {
    case TP::FLOAT:
    case TP::INT32:
    case TP::UINT32:
      return 4;
    case TP::DOUBLE:
    case TP::INT64:
    case TP::UINT64:
      return 8;
    case TP::INT16:
    case TP::UINT16:
      return 2;
    case TP::INT8:
    case TP::UINT8:
    case TP::BOOL:
      return 1;
    case TP::FLOAT16:
    case TP::BFLOAT16:
      return 2;
    default:
      return 0;
  }
}

// UINT64 values are held as int64 (nabla's one integer dtype): one above INT64_MAX is refused.
template <class It>
std::vector<int64_t> from_uint64(It begin, It end, const std::string& what) {
  std::vector<int64_t> v;
  for (It i = begin; i != end; ++i) {
    const uint64_t u = *i;
    if (u > static_cast<uint64_t>(INT64_MAX))
      fail(what, "a UINT64 value above 2^63 - 1 (nabla holds integers as int64)");
    v.push_back(static_cast<int64_t>(u));
  }
  return v;
}

template <class Raw>
std::vector<int64_t> widen(const std::string& raw) {
  std::vector<Raw> v(raw.size() / sizeof(Raw));
  if (!v.empty()) std::memcpy(v.data(), raw.data(), v.size() * sizeof(Raw));  // empty: data() null
  return {v.begin(), v.end()};
}

// FLOAT16/BFLOAT16 bit patterns (raw_data, or int32_data's low 16 bits) as float32 values.
template <class It>
Tensor from_half_bits(It begin, It end, int type, const Shape& shape) {
  std::vector<float> v;
  for (It i = begin; i != end; ++i) {
    const auto bits = static_cast<uint16_t>(*i);
    v.push_back(type == TP::FLOAT16 ? half_bits_to_float(bits) : bfloat16_bits_to_float(bits));
  }
  return Tensor::from_vector(v, shape);
}

Tensor from_raw(const TP& t, const Shape& shape, const std::string& what) {
  const size_t elem = raw_size(t.data_type());
  const std::string& raw = t.raw_data();
  const auto n = static_cast<size_t>(shape_numel(shape));
  if (raw.size() != n * elem)
    fail(what, "raw_data has " + std::to_string(raw.size()) + " bytes, shape " + shape_str(shape) +
                   " needs " + std::to_string(n * elem));
  switch (t.data_type()) {
    case TP::FLOAT:
      return Tensor::from_buffer(raw.data(), shape, DType::Float32);
    case TP::DOUBLE:
      return Tensor::from_buffer(raw.data(), shape, DType::Float64);
    case TP::INT64:
      return Tensor::from_buffer(raw.data(), shape, DType::Int64);
    case TP::INT32:
      return Tensor::from_vector(widen<int32_t>(raw), shape);
    case TP::INT8:
      return Tensor::from_vector(widen<int8_t>(raw), shape);
    case TP::INT16:
      return Tensor::from_vector(widen<int16_t>(raw), shape);
    case TP::UINT16:
      return Tensor::from_vector(widen<uint16_t>(raw), shape);
    case TP::UINT32:
      return Tensor::from_vector(widen<uint32_t>(raw), shape);
    case TP::UINT64: {
      std::vector<uint64_t> u(n);
      if (n > 0) std::memcpy(u.data(), raw.data(), n * sizeof(uint64_t));
      return Tensor::from_vector(from_uint64(u.begin(), u.end(), what), shape);
    }
    case TP::FLOAT16:
    case TP::BFLOAT16: {
      const auto bits = widen<uint16_t>(raw);
      return from_half_bits(bits.begin(), bits.end(), t.data_type(), shape);
    }
    default:  // UINT8, BOOL
      return Tensor::from_vector(widen<uint8_t>(raw), shape);
  }
}

template <class Field>
void check_count(const Field& f, const Shape& shape, const std::string& what) {
  if (f.size() != shape_numel(shape))
    fail(what, "has " + std::to_string(f.size()) + " values, shape " + shape_str(shape) +
                   " needs " + std::to_string(shape_numel(shape)));
}

Tensor from_fields(const TP& t, const Shape& shape, const std::string& what) {
  switch (t.data_type()) {
    case TP::FLOAT:
      check_count(t.float_data(), shape, what);
      return Tensor::from_vector(std::vector<float>(t.float_data().begin(), t.float_data().end()),
                                 shape);
    case TP::DOUBLE:
      check_count(t.double_data(), shape, what);
      return Tensor::from_vector(
          std::vector<double>(t.double_data().begin(), t.double_data().end()), shape);
    case TP::INT64:
      check_count(t.int64_data(), shape, what);
      return Tensor::from_vector(std::vector<int64_t>(t.int64_data().begin(), t.int64_data().end()),
                                 shape);
    case TP::FLOAT16:
    case TP::BFLOAT16:
      check_count(t.int32_data(), shape, what);
      return from_half_bits(t.int32_data().begin(), t.int32_data().end(), t.data_type(), shape);
    case TP::UINT32:
    case TP::UINT64:
      check_count(t.uint64_data(), shape, what);
      return Tensor::from_vector(from_uint64(t.uint64_data().begin(), t.uint64_data().end(), what),
                                 shape);
    default:  // INT32, INT16, UINT16, INT8, UINT8, BOOL live in int32_data
      check_count(t.int32_data(), shape, what);
      return Tensor::from_vector(std::vector<int64_t>(t.int32_data().begin(), t.int32_data().end()),
                                 shape);
  }
}

}  // namespace

Tensor tensor_from_proto(const TP& t, const std::string& what) {
  if (t.data_location() == TP::EXTERNAL)
    throw Unsupported("onnx tensor '" + what +
                      "': external data is not supported; save the model with its weights inside");
  if (raw_size(t.data_type()) == 0)
    throw Unsupported("onnx tensor '" + what + "': data type " + std::to_string(t.data_type()) +
                      " (" + TP::DataType_Name(static_cast<TP::DataType>(t.data_type())) +
                      ") is not supported; nabla reads float, double, "
                      "float16, bfloat16, int64/32/16/8, uint64/32/16/8, bool");
  const Shape shape = checked_shape(t, what);
  return t.has_raw_data() ? from_raw(t, shape, what) : from_fields(t, shape, what);
}

TP tensor_to_proto(const Tensor& t, const std::string& name) {
  TP p;
  p.set_name(name);
  for (int64_t d : t.shape()) p.add_dims(d);
  p.set_data_type(t.dtype() == DType::Float32   ? TP::FLOAT
                  : t.dtype() == DType::Float64 ? TP::DOUBLE
                                                : TP::INT64);
  const Tensor c = t.detach().contiguous();
  p.set_raw_data(static_cast<const char*>(c.raw_data()),
                 static_cast<size_t>(c.numel()) * dtype_size(c.dtype()));
  return p;
}

namespace {
std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot open (does the file exist?)");
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}
}  // namespace

Tensor load_tensor_pb(const std::string& path, int declared_type) {
  TP t;
  if (!t.ParseFromString(read_bytes(path))) throw IoError(path + ": not a TensorProto (.pb) file");
  if (declared_type == TP::BFLOAT16 && t.data_type() == TP::UINT16) t.set_data_type(TP::BFLOAT16);
  return tensor_from_proto(t, path);
}

void save_tensor_pb(const Tensor& t, const std::string& path, const std::string& name) {
  io::write_file_atomic(path, tensor_to_proto(t, name).SerializeAsString());
}

::onnx::ModelProto load_model_proto(const std::string& path) {
  ::onnx::ModelProto m;
  if (!m.ParseFromString(read_bytes(path))) throw IoError(path + ": not an ONNX model file");
  return m;
}

void save_model_proto(const ::onnx::ModelProto& model, const std::string& path) {
  io::write_file_atomic(path, model.SerializeAsString());
}

}  // namespace nabla::onnx
