// Models of opsets 1 to 6 (ONNX's own pytorch-converted and pytorch-operator test cases, older
// exporters) rewritten to opset 7, so nabla's ops need only know opsets 7 to 17. For the ops
// nabla runs, opset 7 changed little: binary ops lost their legacy `broadcast`/`axis`
// broadcasting (numpy-style from 7; a B aligned at `axis` gets an Unsqueeze to trailing
// alignment), and `is_test`/`consumed_inputs` went. ONNX's own version converter (libonnx) does
// this too, but it and its shape inference crash on malformed graphs (fuzz_onnx found two), so
// untrusted files do not go through it.
#pragma once
#include "nabla/onnx/proto.hpp"

namespace nabla::onnx {

// The model at opset 7; Unsupported when a legacy `axis` broadcast involves a value whose rank
// the file does not declare.
::onnx::ModelProto upgrade_to_opset7(const ::onnx::ModelProto& model, int64_t opset);

}  // namespace nabla::onnx
