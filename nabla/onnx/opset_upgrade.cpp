#include "nabla/onnx/opset_upgrade.hpp"

#include <map>
#include <set>

#include "nabla/onnx/tensor_io.hpp"

namespace nabla::onnx {
namespace {

// Ops whose opset-1..6 form had legacy broadcasting: `broadcast` = 1 lets B be smaller than A,
// aligned to A's trailing dims or, with `axis`, starting at A's dim `axis`. Opset 7 broadcasts
// numpy-style (trailing alignment) always.
const std::set<std::string> kLegacyBroadcast = {"Add",  "Sub",     "Mul", "Div", "Pow", "Equal",
                                                "Less", "Greater", "And", "Or",  "Xor"};
// Attributes opset 7 dropped: they either never changed the inference result (is_test,
// consumed_inputs) or are rewritten here (broadcast, axis of the ops above).
const std::set<std::string> kDropped = {"is_test", "consumed_inputs", "broadcast"};

std::map<std::string, int64_t> declared_ranks(const ::onnx::GraphProto& g) {
  std::map<std::string, int64_t> rank;
  for (const auto& i : g.initializer()) rank[i.name()] = i.dims_size();
  for (const auto* list : {&g.input(), &g.value_info()})
    for (const auto& v : *list)
      if (v.type().has_tensor_type() && v.type().tensor_type().has_shape())
        rank[v.name()] = v.type().tensor_type().shape().dim_size();
  return rank;
}

// The node's B input unsqueezed so that trailing alignment puts it at A's dim `axis`.
void align_at_axis(::onnx::GraphProto& g, ::onnx::NodeProto& n, int64_t axis,
                   const std::map<std::string, int64_t>& rank, const std::string& what) {
  const auto a = rank.find(n.input(0)), b = rank.find(n.input(1));
  if (a == rank.end() || b == rank.end())
    throw Unsupported(what + n.op_type() + " broadcasts with `axis` but the ranks of '" +
                      n.input(0) + "' and '" + n.input(1) + "' are not declared");
  if (axis < 0 || axis > a->second || b->second > a->second - axis)
    throw Unsupported(what + n.op_type() + ": axis " + std::to_string(axis) +
                      " does not fit ranks " + std::to_string(a->second) + " and " +
                      std::to_string(b->second));
  if (axis + b->second == a->second) return;  // already trailing
  ::onnx::NodeProto u;
  u.set_op_type("Unsqueeze");
  u.set_name(n.name() + "_legacy_axis");
  u.add_input(n.input(1));
  u.add_output(n.input(1) + "_at_axis_" + std::to_string(axis) + "_of_" + n.output(0));
  auto* axes = u.add_attribute();  // opset 7 Unsqueeze: axes is an attribute
  axes->set_name("axes");
  axes->set_type(::onnx::AttributeProto::INTS);
  for (int64_t d = b->second; d < a->second - axis; ++d) axes->add_ints(d);
  n.set_input(1, u.output(0));
  *g.add_node() = u;  // placed before n by the caller's reordering
}

}  // namespace

::onnx::ModelProto upgrade_to_opset7(const ::onnx::ModelProto& model, int64_t opset) {
  const std::string what = "onnx: opset " + std::to_string(opset) + " model: ";
  if (opset < 1 || opset >= 7) throw Unsupported(what + "not an opset to upgrade to 7");
  ::onnx::ModelProto out = model;
  for (auto& o : *out.mutable_opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") o.set_version(7);
  const auto rank = declared_ranks(model.graph());
  ::onnx::GraphProto& g = *out.mutable_graph();
  google::protobuf::RepeatedPtrField<::onnx::NodeProto> nodes;
  nodes.Swap(g.mutable_node());
  for (auto& n : nodes) {
    int64_t axis = -1;
    bool legacy = false;
    ::onnx::NodeProto kept = n;
    kept.clear_attribute();
    for (const auto& a : n.attribute()) {
      if (a.name() == "broadcast") legacy = a.i() != 0;
      if (a.name() == "axis" && kLegacyBroadcast.count(n.op_type())) {
        axis = a.i();
        continue;
      }
      if (!kDropped.count(a.name())) *kept.add_attribute() = a;
    }
    if (legacy && axis >= 0 && kLegacyBroadcast.count(n.op_type()) && n.input_size() == 2 &&
        n.output_size() >= 1)
      align_at_axis(g, kept, axis, rank, what);  // appends the Unsqueeze first
    // PRelu before opset 7 applied a 1-D slope per channel (dim 1); opset 7 broadcasts it from
    // the trailing dims, so a [C] slope over (N, C, H, W) must become [C, 1, 1]
    const auto data = rank.find(n.input_size() > 0 ? n.input(0) : "");
    if (n.op_type() == "PRelu" && n.input_size() == 2 && data != rank.end() && data->second > 2)
      align_at_axis(g, kept, 1, rank, what);
    *g.add_node() = kept;
  }
  return out;
}

}  // namespace nabla::onnx
