// Small hand-built ONNX models for the import tests.
#pragma once
#include <string>
#include <vector>

#include "nabla/onnx/tensor_io.hpp"

namespace nabla::onnx::test {

inline ::onnx::ModelProto model(int64_t opset, const std::vector<std::string>& inputs,
                                const std::vector<std::string>& outputs) {
  ::onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(opset);
  for (const auto& i : inputs) m.mutable_graph()->add_input()->set_name(i);
  for (const auto& o : outputs) m.mutable_graph()->add_output()->set_name(o);
  return m;
}

inline ::onnx::NodeProto& node(::onnx::ModelProto& m, const std::string& op,
                               const std::vector<std::string>& ins,
                               const std::vector<std::string>& outs, const std::string& name = "") {
  auto& n = *m.mutable_graph()->add_node();
  n.set_op_type(op);
  n.set_name(name.empty() ? op : name);
  for (const auto& i : ins) n.add_input(i);
  for (const auto& o : outs) n.add_output(o);
  return n;
}

inline void ints(::onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

inline void init(::onnx::ModelProto& m, const std::string& name, const Tensor& t) {
  *m.mutable_graph()->add_initializer() = tensor_to_proto(t, name);
}

}  // namespace nabla::onnx::test
