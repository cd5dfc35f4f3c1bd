// Initializers kept outside the .onnx file: ONNX's external data (data_location = EXTERNAL and
// external_data entries location / offset / length), as exporters write the weights of models
// over protobuf's 2 GB limit. `location` is relative to the model's folder. The file names come
// from an untrusted model, so a location that is absolute, contains "..", or leads out of the
// folder through a symlink is refused, and nothing is read before the byte range is checked
// against the file's size and the tensor's shape (no allocation larger than the data on disk).
#pragma once
#include <string>

#include "nabla/onnx/proto.hpp"

namespace nabla::onnx {

// Reads every external initializer of `model` into its raw_data (an IoError naming the tensor
// and the file otherwise); the model then needs no other file.
void load_external_data(::onnx::ModelProto& model, const std::string& model_dir);

}  // namespace nabla::onnx
