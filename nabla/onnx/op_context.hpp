// What an op implementation sees of one node: its attributes (typed getters with the spec's
// defaults), its input values (undefined Tensor for an omitted optional input) and the model's
// opset, for the ops whose inputs or attributes changed between opsets.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "nabla/core/tensor.hpp"
#include "nabla/onnx/tensor_io.hpp"

namespace nabla::onnx {

class OpContext {
 public:
  OpContext(const ::onnx::NodeProto& node, int64_t opset, std::vector<Tensor> inputs);

  int64_t opset() const { return opset_; }
  const ::onnx::NodeProto& node() const { return node_; }
  size_t num_inputs() const { return inputs_.size(); }
  bool has_input(size_t i) const { return i < inputs_.size() && inputs_[i].defined(); }
  const Tensor& input(size_t i) const;  // required: an Error naming the node if absent
  // A 1-D int64 input read as values (axes, shapes), or `fallback` when it is absent.
  std::vector<int64_t> input_ints(size_t i, const std::vector<int64_t>& fallback = {}) const;

  bool has(const std::string& name) const;
  int64_t attr_int(const std::string& name, int64_t fallback) const;
  double attr_float(const std::string& name, double fallback) const;
  std::string attr_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> attr_ints(const std::string& name,
                                 const std::vector<int64_t>& fallback = {}) const;
  const ::onnx::AttributeProto* attr(const std::string& name) const;  // nullptr if absent

  // "Conv node 'conv1' (opset 13)": the start of every error about this node.
  std::string where() const;
  [[noreturn]] void fail(const std::string& msg) const;
  [[noreturn]] void unsupported(const std::string& what) const;

 private:
  const ::onnx::NodeProto& node_;
  int64_t opset_;
  std::vector<Tensor> inputs_;
  std::map<std::string, const ::onnx::AttributeProto*> attrs_;
};

// An axis of a rank-`rank` tensor, negative counting from the end; an Error naming the node.
int64_t wrap_axis(const OpContext& c, int64_t axis, int64_t rank);

}  // namespace nabla::onnx
