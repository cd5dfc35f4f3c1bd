#include "nabla/onnx/model.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "nabla/onnx/external_data.hpp"
#include "nabla/onnx/ops.hpp"
#include "nabla/onnx/opset_upgrade.hpp"
#include "nabla/onnx/tensor_io.hpp"

namespace nabla::onnx {

// The version of `domain` the model imports, or -1.
static int64_t imported_version(const ::onnx::ModelProto& model, const std::string& domain) {
  for (const auto& o : model.opset_import())
    if (o.domain() == domain) return o.version();
  return -1;
}

int64_t model_opset(const ::onnx::ModelProto& model) {
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") return o.version();
  // A model of training ops only (the optimizer node tests) needs no default opset: 0 marks
  // that, and check_nodes refuses any default-domain node in it.
  if (imported_version(model, kTrainingDomain) >= 0) return 0;
  std::string others;
  for (const auto& o : model.opset_import()) others.append(" ").append(o.domain());
  throw Unsupported("onnx: the model imports no opset of the default domain (ai.onnx) nor of " +
                    std::string(kTrainingDomain) +
                    "; it imports:" + (others.empty() ? std::string(" nothing") : others));
}

namespace {

// Caps on the counts a model file sets, far above real models (ResNet-152: ~500 nodes; large
// transformers: tens of thousands) and checked before the graph is copied or walked, so a
// hostile file gets an error naming the count instead of the work and memory it asks for.
// Tensor sizes are checked by tensor_io (rank, elements, and data that must be present).
constexpr int kMaxNodes = 1 << 20, kMaxInitializers = 1 << 20, kMaxValues = 1 << 16;

void check_counts(const ::onnx::GraphProto& g) {
  auto cap = [](int64_t n, int64_t max, const std::string& what) {
    if (n > max)
      throw Error("onnx: the model has " + std::to_string(n) + " " + what +
                  "; nabla imports at most " + std::to_string(max));
  };
  cap(g.node_size(), kMaxNodes, "nodes");
  cap(g.initializer_size(), kMaxInitializers, "initializers");
  cap(g.input_size(), kMaxValues, "graph inputs");
  cap(g.output_size(), kMaxValues, "graph outputs");
  for (const auto& n : g.node()) {
    cap(n.input_size(), kMaxValues, "inputs on the " + n.op_type() + " node '" + n.name() + "'");
    cap(n.output_size(), kMaxValues, "outputs on the " + n.op_type() + " node '" + n.name() + "'");
  }
}

const ::onnx::GraphProto& checked_graph(const ::onnx::ModelProto& model) {
  check_counts(model.graph());
  return model.graph();
}

}  // namespace

OnnxModel::OnnxModel(const ::onnx::ModelProto& model)
    : graph_(checked_graph(model)), opset_(model_opset(model)) {
  header_.set_ir_version(model.ir_version());
  header_.set_producer_name(model.producer_name());
  header_.set_producer_version(model.producer_version());
  *header_.mutable_opset_import() = model.opset_import();
  if (opset_ >= 1 && opset_ < 7) {  // legacy forms rewritten (opset_upgrade.hpp)
    const ::onnx::ModelProto up = upgrade_to_opset7(model, opset_);
    graph_ = checked_graph(up);
    *header_.mutable_opset_import() = up.opset_import();
    opset_ = 7;
  }
  if (opset_ != 0 && (opset_ < 7 || opset_ > 17))
    throw Unsupported("onnx: opset " + std::to_string(opset_) +
                      " is not supported (nabla imports opsets 7 to 17, and 1 to 6 upgraded to 7)");
  add_initializers();
  for (const auto* list : {&graph_.input(), &graph_.output()})
    for (const auto& v : *list)
      if (v.has_type() && !v.type().has_tensor_type())
        throw Unsupported("onnx: graph input/output '" + v.name() +
                          "' is not a tensor (sequences, maps and optionals are not supported)");
  for (const auto& i : graph_.input())
    if (!constants_.count(i.name())) inputs_.push_back(i.name());
  for (const auto& o : graph_.output()) outputs_.push_back(o.name());
  check_nodes();
  eval();  // imported for inference first; train() switches the Module flag as usual
}

::onnx::ModelProto OnnxModel::to_proto() const {
  ::onnx::ModelProto m = header_;
  *m.mutable_graph() = graph_;
  for (const auto& [name, t] : constants_)
    *m.mutable_graph()->add_initializer() = tensor_to_proto(t, name);
  return m;
}

std::shared_ptr<OnnxModel> OnnxModel::load(const std::string& path) {
  ::onnx::ModelProto proto = load_model_proto(path);
  load_external_data(proto, std::filesystem::path(path).parent_path().string());
  return std::make_shared<OnnxModel>(proto);
}

void OnnxModel::add_initializers() {
  std::set<std::string> taken;
  for (const auto& init : graph_.initializer()) {
    Tensor t = tensor_from_proto(init, init.name());
    std::string base = init.name().empty() ? "init" : init.name();
    std::replace(base.begin(), base.end(), '.', '_');  // "a.b" and "a_b" both: a_b, a_b_1
    std::string name = base;
    for (int n = 1; !taken.insert(name).second; ++n)
      name = std::string(base).append("_").append(std::to_string(n));
    t = is_floating(t.dtype()) ? register_parameter(name, t) : register_buffer(name, t);
    constants_[init.name()] = t;
  }
  graph_.clear_initializer();  // the tensors live on as parameters; no second copy
}

// Every op supported, every input produced before it is read (ONNX's topological order).
void OnnxModel::check_nodes() const {
  std::set<std::string> known(inputs_.begin(), inputs_.end());
  for (const auto& [name, t] : constants_) known.insert(name);
  for (const auto& node : graph_.node()) {
    const int64_t version = node_opset(node);
    const std::string where =
        node.op_type() + " node '" + node.name() + "' (opset " + std::to_string(version) + ")";
    const OpTable* table = domain_op_table(node.domain());
    if (table == nullptr)
      throw Unsupported("onnx: " + where + ": domain '" + node.domain() +
                        "' is not supported (nabla runs ai.onnx and " + kTrainingDomain + ")");
    if (table == &training_op_table() && version != 1)
      throw Unsupported("onnx: " + where + ": " + kTrainingDomain + " opset " +
                        std::to_string(version) + " is not supported (nabla runs opset 1)");
    if (table == &op_table() && version == 0)
      throw Unsupported("onnx: " + where +
                        ": the model imports no opset of the default domain (ai.onnx)");
    if (!table->count(node.op_type()))
      throw Unsupported("onnx: " + where + ": op " + node.op_type() +
                        " is not supported; nabla runs " + supported_ops_list() +
                        " (ai.onnx) and Adagrad, Adam, Momentum (" + kTrainingDomain + ")");
    for (const auto& in : node.input())
      if (!in.empty() && !known.count(in))
        throw Error("onnx: " + where + ": input '" + in +
                    "' is not produced earlier (nodes must be in topological order)");
    known.insert(node.output().begin(), node.output().end());
  }
  for (const auto& o : outputs_)
    if (!known.count(o)) throw Error("onnx: graph output '" + o + "' is produced by no node");
}

// The opset of the node's domain: the model's default opset, or the imported training version
// (-1 when the model does not import it).
int64_t OnnxModel::node_opset(const ::onnx::NodeProto& node) const {
  return node.domain() == kTrainingDomain ? imported_version(header_, kTrainingDomain) : opset_;
}

std::vector<Tensor> OnnxModel::run(const std::map<std::string, Tensor>& given) const {
  std::map<std::string, Tensor> values = constants_;
  for (const auto& name : inputs_) {
    auto it = given.find(name);
    if (it == given.end()) throw Error("onnx: no value for the graph input '" + name + "'");
    values[name] = it->second;
  }
  for (const auto& node : graph_.node()) {
    std::vector<Tensor> ins;
    for (const auto& in : node.input()) ins.push_back(in.empty() ? Tensor() : values.at(in));
    const OpContext ctx(node, node_opset(node), std::move(ins));
    std::vector<Tensor> outs = domain_op_table(node.domain())->at(node.op_type())(ctx);
    for (int i = 0; i < node.output_size(); ++i) {
      if (node.output(i).empty()) continue;
      if (i >= static_cast<int>(outs.size())) ctx.unsupported("output " + std::to_string(i));
      values[node.output(i)] = outs[i];
    }
  }
  std::vector<Tensor> result;
  for (const auto& o : outputs_) result.push_back(values.at(o));
  return result;
}

std::vector<Tensor> OnnxModel::run(const std::vector<Tensor>& inputs) const {
  if (inputs.size() != inputs_.size())
    throw Error("onnx: the model has " + std::to_string(inputs_.size()) + " inputs, got " +
                std::to_string(inputs.size()));
  std::map<std::string, Tensor> given;
  for (size_t i = 0; i < inputs.size(); ++i) given[inputs_[i]] = inputs[i];
  return run(given);
}

Tensor OnnxModel::forward(const Tensor& x) { return run(std::vector<Tensor>{x}).at(0); }

std::string OnnxModel::extra_repr() const {
  return "opset=" + std::to_string(opset_) + ", nodes=" + std::to_string(num_nodes()) +
         ", inputs=" + std::to_string(inputs_.size()) +
         ", outputs=" + std::to_string(outputs_.size());
}

}  // namespace nabla::onnx
