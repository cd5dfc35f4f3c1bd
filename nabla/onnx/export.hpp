// nabla models -> ONNX. nn::Sequential (nested too) and nn::Graph (add and concat merges,
// several outputs) of the layers below become one ONNX graph, parameters as initializers named
// by their state-dict keys, the batch dim symbolic ("N"). BatchNorm and Dropout export their
// eval behaviour (running statistics, identity): export a model for inference.
//   Conv2d (zero padding, incl. "same"), ConvTranspose2d, Linear (Gemm), BatchNorm1d/2d,
//   MaxPool2d, AvgPool2d, AdaptiveAvgPool2d(1) / AdaptiveMaxPool2d(1) (Global*Pool), ReLU,
//   LeakyReLU, Sigmoid, Tanh, GELU (Erf, or Tanh for approximate="tanh"), Softmax, LogSoftmax,
//   Flatten(1, -1), Dropout/Dropout2d/Identity (Identity).
// Anything else is an Error naming the module and where it sits.
#pragma once
#include <string>

#include "nabla/core/tensor.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/onnx/proto.hpp"

namespace nabla::onnx {

struct ExportOptions {
  int64_t opset = 13;
  std::string input_name = "input";
  std::string output_name = "output";  // the first output; others are named after their node
};

// input_shape: one sample's shape (C, H, W) or (F); the exported input is (N, ...input_shape).
// The model runs once (in eval mode, on zeros, its mode restored after) for its output shapes.
::onnx::ModelProto export_model(nn::Module& model, const Shape& input_shape,
                                const ExportOptions& options = {});

// onnx::checker::check_model; an Error with the checker's message when the model is invalid.
void check_model(const ::onnx::ModelProto& model);

}  // namespace nabla::onnx
