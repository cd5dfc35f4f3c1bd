// ONNX in and out: TensorProto files, importing a model as a Module, exporting nn::Sequential /
// nn::Graph models, and running ONNX backend-test folders.
#pragma once
#include "nabla/onnx/backend_test.hpp"
#include "nabla/onnx/export.hpp"
#include "nabla/onnx/model.hpp"
#include "nabla/onnx/ops.hpp"
#include "nabla/onnx/tensor_io.hpp"
