#include "nabla/onnx/opset_upgrade.hpp"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>
#include <onnx/version_converter/convert.h>

#include "nabla/onnx/tensor_io.hpp"

namespace nabla::onnx {

::onnx::ModelProto upgrade_to_opset7(const ::onnx::ModelProto& model, int64_t opset) {
  const std::string what = "onnx: opset " + std::to_string(opset) + ": ";
  if (opset < 1 || opset >= 7) throw Unsupported(what + "not an opset to upgrade to 7");
  try {
    ::onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Unsupported(what +
                      "ONNX's checker refuses the model, so it cannot be upgraded to "
                      "opset 7: " +
                      e.what());
  }
  try {
    // the converter rewrites legacy broadcasting from the operands' shapes, which shape
    // inference adds (as onnx.version_converter does in Python)
    ::onnx::ModelProto shaped = model;
    ::onnx::shape_inference::InferShapes(shaped);
    return ::onnx::version_conversion::ConvertVersion(shaped, 7);
  } catch (const std::exception& e) {
    throw Unsupported(what + "ONNX's version converter cannot upgrade it to opset 7: " + e.what());
  }
}

}  // namespace nabla::onnx
