#include "nabla/onnx/op_context.hpp"

namespace nabla::onnx {

OpContext::OpContext(const ::onnx::NodeProto& node, int64_t opset, std::vector<Tensor> inputs)
    : node_(node), opset_(opset), inputs_(std::move(inputs)) {
  for (const auto& a : node.attribute()) attrs_[a.name()] = &a;
}

const Tensor& OpContext::input(size_t i) const {
  if (!has_input(i)) fail("input " + std::to_string(i) + " is required but missing");
  return inputs_[i];
}

std::vector<int64_t> OpContext::input_ints(size_t i, const std::vector<int64_t>& fallback) const {
  if (!has_input(i)) return fallback;
  const Tensor& t = inputs_[i];
  if (t.dtype() != DType::Int64 || t.dim() > 1)
    fail("input " + std::to_string(i) + " must be a 1-D int64 tensor, got " +
         dtype_name(t.dtype()) + " " + shape_str(t.shape()));
  return t.to_vector<int64_t>();
}

const ::onnx::AttributeProto* OpContext::attr(const std::string& name) const {
  auto it = attrs_.find(name);
  return it == attrs_.end() ? nullptr : it->second;
}

bool OpContext::has(const std::string& name) const { return attr(name) != nullptr; }

int64_t OpContext::attr_int(const std::string& name, int64_t fallback) const {
  const auto* a = attr(name);
  return a == nullptr ? fallback : a->i();
}

double OpContext::attr_float(const std::string& name, double fallback) const {
  const auto* a = attr(name);
  return a == nullptr ? fallback : a->f();
}

std::string OpContext::attr_string(const std::string& name, const std::string& fallback) const {
  const auto* a = attr(name);
  return a == nullptr ? fallback : a->s();
}

std::vector<int64_t> OpContext::attr_ints(const std::string& name,
                                          const std::vector<int64_t>& fallback) const {
  const auto* a = attr(name);
  return a == nullptr ? fallback : std::vector<int64_t>(a->ints().begin(), a->ints().end());
}

std::string OpContext::where() const {
  return node_.op_type() + " node '" + node_.name() + "' (opset " + std::to_string(opset_) + ")";
}

void OpContext::fail(const std::string& msg) const { throw Error("onnx: " + where() + ": " + msg); }

void OpContext::unsupported(const std::string& what) const {
  throw Unsupported("onnx: " + where() + ": " + what + " is not supported");
}

int64_t wrap_axis(const OpContext& c, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    c.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

}  // namespace nabla::onnx
