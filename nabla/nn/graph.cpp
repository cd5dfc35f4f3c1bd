#include "nabla/nn/graph.hpp"

#include <algorithm>

#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla::nn {

const char* Graph::kind_name(NodeKind kind) {
  switch (kind) {
    case NodeKind::Add:
      return "add";
    case NodeKind::Concat:
      return "concat";
    default:
      return "layer";
  }
}

void Graph::check_new_node(const std::string& name) const {
  NABLA_CHECK(
      !name.empty() && name.find('.') == std::string::npos, "Graph",
      "a node name must be non-empty and contain no '.' (it prefixes state-dict keys), got \"",
      name, "\"");
  NABLA_CHECK(name != kInput, "Graph", "\"", kInput,
              "\" names the graph's input; give the node another name");
  NABLA_CHECK(
      std::none_of(nodes_.begin(), nodes_.end(), [&](const Node& n) { return n.name == name; }),
      "Graph", "a node named \"", name, "\" already exists; give each node its own name");
}

int64_t Graph::index_of(const std::string& name, const std::string& node) const {
  if (name == kInput) return -1;
  std::string known = kInput;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].name == name) return static_cast<int64_t>(i);
    known += ", " + nodes_[i].name;
  }
  NABLA_CHECK(false, "Graph", "node \"", node, "\": unknown input \"", name,
              "\"; inputs name an earlier node or \"input\" (so far: ", known, ")");
  return -1;
}

void Graph::add_layer_ptr(const std::string& name, const std::string& input,
                          std::shared_ptr<Module> module) {
  check_new_node(name);
  const int64_t in = index_of(input, name);
  register_module(name, module);  // checks the module is not null
  nodes_.push_back({name, NodeKind::Layer, {in}, std::move(module)});
  last_use_.push_back(-1);
  if (in >= 0) last_use_[static_cast<size_t>(in)] = static_cast<int64_t>(nodes_.size()) - 1;
}

void Graph::add_merge(NodeKind kind, const std::string& name,
                      const std::vector<std::string>& inputs) {
  check_new_node(name);
  NABLA_CHECK(inputs.size() >= 2, "Graph", "node \"", name, "\" (", kind_name(kind),
              ") needs two or more inputs, got ", inputs.size());
  Node node{name, kind, {}, nullptr};
  for (const auto& in : inputs) node.inputs.push_back(index_of(in, name));
  const auto self = static_cast<int64_t>(nodes_.size());
  for (int64_t in : node.inputs)
    if (in >= 0) last_use_[static_cast<size_t>(in)] = self;
  nodes_.push_back(std::move(node));
  last_use_.push_back(-1);
}

void Graph::add_sum(const std::string& name, const std::vector<std::string>& inputs) {
  add_merge(NodeKind::Add, name, inputs);
}

void Graph::add_concat(const std::string& name, const std::vector<std::string>& inputs) {
  add_merge(NodeKind::Concat, name, inputs);
}

void Graph::set_outputs(const std::vector<std::string>& names) {
  NABLA_CHECK(!names.empty(), "Graph", "set_outputs needs at least one node name");
  std::vector<int64_t> out;
  for (const auto& n : names) {
    const int64_t i = index_of(n, "(outputs)");
    NABLA_CHECK(i >= 0, "Graph", "the graph's input cannot be an output; name a node");
    out.push_back(i);
  }
  outputs_ = std::move(out);
}

std::string Graph::input_name(int64_t index) const {
  return index < 0 ? std::string(kInput) : nodes_.at(static_cast<size_t>(index)).name;
}

std::vector<std::string> Graph::output_names() const {
  std::vector<std::string> names;
  if (outputs_.empty()) {
    if (!nodes_.empty()) names.push_back(nodes_.back().name);
  } else {
    for (int64_t i : outputs_) names.push_back(input_name(i));
  }
  return names;
}

Tensor Graph::merge(NodeKind kind, const std::vector<std::string>& names,
                    const std::vector<Tensor>& values) {
  const char* op = kind_name(kind);
  NABLA_CHECK(kind != NodeKind::Layer && values.size() >= 2 && names.size() == values.size(), op,
              "needs two or more inputs");
  const Shape& first = values[0].shape();
  for (size_t i = 1; i < values.size(); ++i) {
    Shape s = values[i].shape(), f = first;
    if (kind == NodeKind::Concat && s.size() >= 2 && f.size() >= 2) s[1] = f[1] = 0;  // any C
    NABLA_CHECK(s == f && (kind == NodeKind::Add || s.size() >= 2), op, "input \"", names[0],
                "\" is ", shape_str(first), " but input \"", names[i], "\" is ",
                shape_str(values[i].shape()),
                kind == NodeKind::Add
                    ? "; an add needs inputs of one shape (give the other branch a 1x1 conv2d "
                      "with the same out and stride)"
                    : "; a concat joins channels (dim 1) and needs every other size equal "
                      "(up- or down-sample one side to match)");
  }
  if (kind == NodeKind::Concat) return cat(values, 1);
  Tensor y = values[0] + values[1];
  for (size_t i = 2; i < values.size(); ++i) y = y + values[i];
  return y;
}

std::vector<Tensor> Graph::run(const Tensor& x) {
  NABLA_CHECK(!nodes_.empty(), "Graph", "the graph has no nodes; add one with add_layer");
  const std::vector<int64_t> outs =
      outputs_.empty() ? std::vector<int64_t>{static_cast<int64_t>(nodes_.size()) - 1} : outputs_;
  std::vector<Tensor> values(nodes_.size());
  auto value = [&](int64_t i) -> const Tensor& {
    return i < 0 ? x : values[static_cast<size_t>(i)];
  };
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& node = nodes_[i];
    if (node.kind == NodeKind::Layer) {
      values[i] = node.module->forward(value(node.inputs[0]));
    } else {
      std::vector<std::string> names;
      std::vector<Tensor> ins;
      for (int64_t in : node.inputs) {
        names.push_back(input_name(in));
        ins.push_back(value(in));
      }
      try {
        values[i] = merge(node.kind, names, ins);
      } catch (const Error& e) {
        throw Error("Graph: node \"" + node.name + "\": " + e.what());
      }
    }
    // A value no later node reads is dropped at once (autograd keeps what backward needs).
    for (int64_t in : node.inputs) {
      const bool is_output = std::find(outs.begin(), outs.end(), in) != outs.end();
      if (in >= 0 && last_use_[static_cast<size_t>(in)] == static_cast<int64_t>(i) && !is_output)
        values[static_cast<size_t>(in)] = Tensor();
    }
  }
  std::vector<Tensor> result;
  for (int64_t o : outs) result.push_back(values[static_cast<size_t>(o)]);
  return result;
}

Tensor Graph::forward(const Tensor& x) { return run(x).front(); }

std::vector<std::pair<std::string, Tensor>> Graph::forward_all(const Tensor& x) {
  std::vector<Tensor> values = run(x);
  const std::vector<std::string> names = output_names();
  std::vector<std::pair<std::string, Tensor>> out;
  for (size_t i = 0; i < values.size(); ++i) out.emplace_back(names[i], values[i]);
  return out;
}

std::string Graph::extra_repr() const {
  std::string s;
  for (const Node& n : nodes_) {
    s += s.empty() ? "" : ", ";
    if (n.kind == NodeKind::Layer) {
      s += n.name + " <- " + input_name(n.inputs[0]);
      continue;
    }
    s += n.name + " = " + kind_name(n.kind) + "(";
    for (size_t i = 0; i < n.inputs.size(); ++i) s += (i ? ", " : "") + input_name(n.inputs[i]);
    s += ")";
  }
  std::string outs;
  for (const auto& o : output_names()) outs += (outs.empty() ? "" : ", ") + o;
  return s + "; outputs: " + outs;
}

}  // namespace nabla::nn
