// An imported ONNX model as a nabla Module. The graph's float initializers become parameters
// (trainable: autograd runs through every op, so an imported model can be fine-tuned) and its
// integer initializers buffers; names are the ONNX names with '.' replaced by '_' (a Module name
// may not contain '.'). Running evaluates the nodes in their file order, which ONNX requires to
// be topological, with the ops of ops.hpp.
//
//   auto m = onnx::OnnxModel::load("model.onnx");   // Unsupported/Error before anything runs
//   Tensor y = (*m)(x);                              // one input -> the first output
//   std::vector<Tensor> ys = m->run({x1, x2});       // all graph inputs -> all outputs
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "nabla/nn/module.hpp"
#include "nabla/onnx/proto.hpp"

namespace nabla::onnx {

class OnnxModel : public nn::Module {
 public:
  // Checks the graph once: the default-domain opset, every node's op supported (Unsupported
  // naming the op, node and opset otherwise), every input defined before use, the initializers.
  // Counts past the caps of model.cpp (nodes, initializers, values per node) are an Error.
  explicit OnnxModel(const ::onnx::ModelProto& model);
  // The file, with its external data (external_data.hpp) read from the file's folder.
  static std::shared_ptr<OnnxModel> load(const std::string& path);

  Tensor forward(const Tensor& x) override;
  // The graph's (non-initializer) inputs in order -> its outputs in order.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs) const;
  std::vector<Tensor> run(const std::map<std::string, Tensor>& inputs) const;

  // The model as imported (opset 1-6 files as their opset-7 rewrite) with the parameters' current
  // values as initializers: a fine-tuned import exports back (`nabla export`). Integer
  // initializers are written as int64, the type nabla keeps them in.
  ::onnx::ModelProto to_proto() const;

  const std::vector<std::string>& input_names() const { return inputs_; }
  const std::vector<std::string>& output_names() const { return outputs_; }
  int64_t opset() const { return opset_; }
  int64_t num_nodes() const { return graph_.node_size(); }
  std::string type_name() const override { return "OnnxModel"; }
  std::string extra_repr() const override;

 private:
  void add_initializers();
  void check_nodes() const;
  int64_t node_opset(const ::onnx::NodeProto& node) const;  // its domain's imported opset

  ::onnx::ModelProto header_;  // ir_version, opset imports, producer: the file minus its graph
  ::onnx::GraphProto graph_;
  int64_t opset_ = 0;
  std::map<std::string, Tensor> constants_;  // initializers by ONNX name
  std::vector<std::string> inputs_, outputs_;
};

// The default-domain opset a model imports; 0 when it imports only ai.onnx.preview.training,
// Unsupported when it imports neither.
int64_t model_opset(const ::onnx::ModelProto& model);

}  // namespace nabla::onnx
