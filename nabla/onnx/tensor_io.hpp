// TensorProto <-> Tensor, and .pb/.onnx files. nabla has float32, float64 and int64 tensors:
// FLOAT and DOUBLE map to themselves, INT64, INT32, INT8, UINT8 and BOOL become int64 (values
// kept), FLOAT16 and BFLOAT16 become float32 (values kept), everything else is an error naming the
// type. Data may be raw_data (little-endian) or
// the typed fields. Every size comes from a file, so it is checked before anything is allocated:
// negative dims, a rank above 32, an element count past 2^40 or one that does not match the data
// present are IoErrors; other data types and external data are Unsupported.
#pragma once
#include <string>

#include "nabla/core/tensor.hpp"
#include "nabla/onnx/proto.hpp"

namespace nabla::onnx {

// Something valid in ONNX that nabla cannot run (an op, a data type, a rank, an attribute value):
// onnx-test reports it as UNSUPPORTED, not as a wrong answer.
class Unsupported : public Error {
 public:
  using Error::Error;
};

// `what` names the tensor in errors (a file, an initializer).
Tensor tensor_from_proto(const ::onnx::TensorProto& t, const std::string& what);
// A contiguous little-endian raw_data copy of t (detached), named `name`.
::onnx::TensorProto tensor_to_proto(const Tensor& t, const std::string& name);

// One TensorProto per file, as ONNX's backend tests store inputs and outputs.
// declared_type: the graph's element type for the value, where known; a UINT16 file for a
// BFLOAT16 value holds bfloat16 bits (how older ONNX releases stored their test data) and is read
// as such.
Tensor load_tensor_pb(const std::string& path, int declared_type = 0);
void save_tensor_pb(const Tensor& t, const std::string& path, const std::string& name = "");

// Model files: IoError for a missing or unparsable file.
::onnx::ModelProto load_model_proto(const std::string& path);
void save_model_proto(const ::onnx::ModelProto& model, const std::string& path);

}  // namespace nabla::onnx
