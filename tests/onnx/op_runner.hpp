// Runs one ONNX node straight through nabla's op table (no model around it), so a test can feed
// tensors that require grad, gradcheck an op, or read the error a node gives.
#pragma once
#include <string>
#include <vector>

#include "nabla/autograd/gradcheck.hpp"
#include "nabla/onnx/ops.hpp"

namespace nabla::onnx::test {

inline ::onnx::NodeProto op_node(const std::string& op, int inputs = 1, int outputs = 1) {
  ::onnx::NodeProto n;
  n.set_op_type(op);
  n.set_name("n_" + op);
  for (int i = 0; i < inputs; ++i) n.add_input("in" + std::to_string(i));
  for (int i = 0; i < outputs; ++i) n.add_output("out" + std::to_string(i));
  return n;
}

inline ::onnx::AttributeProto* attr(::onnx::NodeProto& n, const std::string& name,
                                    ::onnx::AttributeProto::AttributeType type) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(type);
  return a;
}
inline void set_int(::onnx::NodeProto& n, const std::string& name, int64_t v) {
  attr(n, name, ::onnx::AttributeProto::INT)->set_i(v);
}
inline void set_float(::onnx::NodeProto& n, const std::string& name, float v) {
  attr(n, name, ::onnx::AttributeProto::FLOAT)->set_f(v);
}
inline void set_string(::onnx::NodeProto& n, const std::string& name, const std::string& v) {
  attr(n, name, ::onnx::AttributeProto::STRING)->set_s(v);
}
inline void set_ints(::onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = attr(n, name, ::onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
inline void set_floats(::onnx::NodeProto& n, const std::string& name, const std::vector<float>& v) {
  auto* a = attr(n, name, ::onnx::AttributeProto::FLOATS);
  for (float x : v) a->add_floats(x);
}

inline std::vector<Tensor> run_op(const ::onnx::NodeProto& n, int64_t opset,
                                  std::vector<Tensor> inputs) {
  return op_table().at(n.op_type())(OpContext(n, opset, std::move(inputs)));
}

// Finite differences against autograd for output `out` of the node, over the float64 inputs that
// require grad (the others are passed through unchanged).
inline autograd::GradcheckResult gradcheck_op(const ::onnx::NodeProto& n, int64_t opset,
                                              const std::vector<Tensor>& inputs, size_t out = 0) {
  return autograd::gradcheck(
      [&](const std::vector<Tensor>& in) { return run_op(n, opset, in).at(out); }, inputs);
}

inline Tensor f64(const std::vector<double>& v, const Shape& s) {
  return Tensor::from_vector(v, s);
}
inline Tensor i64(const std::vector<int64_t>& v, const Shape& s) {
  return Tensor::from_vector(v, s);
}
inline Tensor rand64(const Shape& s, uint64_t seed) {
  Generator g(seed);
  return Tensor::randn(s, DType::Float64, &g).set_requires_grad(true);
}

}  // namespace nabla::onnx::test
