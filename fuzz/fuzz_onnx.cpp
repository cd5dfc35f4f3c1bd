// libFuzzer: bytes -> an ONNX ModelProto -> OnnxModel (the loader: counts and opset checks,
// external data resolved against an empty folder, initializers and Constant tensors decoded,
// every node's op and inputs checked). Must either succeed or throw nabla::Error; the model is
// not run (an op may legitimately allocate what a valid model asks for).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "nabla/core/storage.hpp"
#include "nabla/onnx/external_data.hpp"
#include "nabla/onnx/model.hpp"
#include "nabla/onnx/tensor_io.hpp"

namespace {

// An empty folder as the model's: external data must resolve inside it (and finds nothing), so
// the fuzzer exercises the path checks without reading files of this machine.
const std::string& model_dir() {
  static const std::string dir = [] {
    const auto d = std::filesystem::temp_directory_path() / "nabla_fuzz_onnx_model";
    std::filesystem::create_directories(d);
    return d.string();
  }();
  return dir;
}

// The tensors a Constant node would decode when it runs.
void decode_attribute_tensors(const ::onnx::GraphProto& g) {
  for (const auto& n : g.node())
    for (const auto& a : n.attribute())
      if (a.has_t()) (void)nabla::onnx::tensor_from_proto(a.t(), a.name());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ::onnx::ModelProto m;
  if (!m.ParseFromArray(data, static_cast<int>(size))) return 0;
  try {
    nabla::onnx::load_external_data(m, model_dir());
    const nabla::onnx::OnnxModel model(m);
    (void)model.num_parameters();
    decode_attribute_tensors(m.graph());
  } catch (const nabla::Error&) {
  }
  nabla::storage_pool_release();
  return 0;
}
