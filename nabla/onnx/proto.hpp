// The ONNX protobuf classes (onnx::ModelProto, TensorProto, ...) from Debian's libonnx-dev. The
// layer's CMake target defines ONNX_ML=1 and ONNX_NAMESPACE=onnx, which these headers need.
#pragma once
#include <onnx/onnx_pb.h>
