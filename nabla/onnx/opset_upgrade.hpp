// Models of opsets 1 to 6 (ONNX's own pytorch-converted and pytorch-operator test cases, older
// exporters) are rewritten to opset 7 by ONNX's version converter (libonnx's
// onnx::version_conversion), which turns the legacy forms (Add/Mul/Gemm `broadcast` and `axis`,
// BatchNormalization `is_test`, ...) into opset 7's, so nabla's ops need only know opsets 7 to 17.
#pragma once
#include "nabla/onnx/proto.hpp"

namespace nabla::onnx {

// The model at opset 7; ONNX's checker must accept it first (the converter assumes a valid
// model), then shape inference adds the shapes the converter reads. Unsupported naming the opset
// and the reason when either refuses.
::onnx::ModelProto upgrade_to_opset7(const ::onnx::ModelProto& model, int64_t opset);

}  // namespace nabla::onnx
