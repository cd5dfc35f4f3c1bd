// Graph: a network of named nodes wired by name, for what a chain cannot say: ResNet's skip
// connections (an `add` of two branches), U-Net's skip concatenation (a `concat` of an encoder
// and a decoder feature map), and several outputs (a detector's heads).
//
//   nn::Graph g;
//   g.add_layer("stem", "input", nn::Conv2d(1, 8, 3, {.padding = 1}));
//   g.add_layer("conv", "stem", nn::Conv2d(8, 8, 3, {.padding = 1}));
//   g.add_sum("sum", {"stem", "conv"});                 // elementwise, same shapes
//   g.add_layer("pool", "sum", nn::AdaptiveAvgPool2d(1));
//   Tensor y = g(x);                                    // the output node (default: the last)
//
// A node is a module with one input, or a merge of several inputs: a sum (`add`) or a
// concatenation along the channel dim 1 (`concat`). Inputs name earlier nodes or "input" (the
// graph's input), so the order nodes are added in is an order they can run in: no cycles, no
// sorting. Module nodes are registered as children under their node names, in node order, so
// state-dict keys read "stem.weight" and PyTorch's registration order (pytorch_default_init_)
// is the node order.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nabla/nn/module.hpp"

namespace nabla::nn {

class Graph : public Module {
 public:
  static constexpr const char* kInput = "input";  // the name of the graph's input
  enum class NodeKind { Layer, Add, Concat };
  struct Node {
    std::string name;
    NodeKind kind = NodeKind::Layer;
    std::vector<int64_t> inputs;     // node indices; -1 is the graph's input
    std::shared_ptr<Module> module;  // Layer nodes only
  };

  // A node `name` = module(input). Throws nabla::Error for a taken or reserved name, or an
  // input that is not an earlier node.
  template <class M>
  requires ModuleArg<M>
  void add_layer(const std::string& name, const std::string& input, M&& module) {
    add_layer_ptr(name, input, to_module_ptr(std::forward<M>(module)));
  }
  // A node that sums two or more inputs of one shape.
  void add_sum(const std::string& name, const std::vector<std::string>& inputs);
  // A node that concatenates two or more inputs along dim 1 (channels); the other dims must agree.
  void add_concat(const std::string& name, const std::vector<std::string>& inputs);
  // Which nodes forward_all returns, in this order; forward returns the first. Default: the
  // last node added.
  void set_outputs(const std::vector<std::string>& names);

  Tensor forward(const Tensor& x) override;
  // Every output node's value, by name, from one pass.
  std::vector<std::pair<std::string, Tensor>> forward_all(const Tensor& x);

  const std::vector<Node>& nodes() const { return nodes_; }
  std::vector<std::string> output_names() const;
  std::string input_name(int64_t index) const;  // "input" for -1, else the node's name
  std::string extra_repr() const override;      // the merge nodes and outputs (children print)

  // The value of an Add or Concat node from its inputs' values (`names` label them in errors).
  // The one place their shape rules live: forward uses it, and so does the config builder's
  // shape probe. Errors start with "add: " / "concat: ".
  static Tensor merge(NodeKind kind, const std::vector<std::string>& names,
                      const std::vector<Tensor>& values);
  static const char* kind_name(NodeKind kind);  // "layer", "add", "concat"

 private:
  void add_layer_ptr(const std::string& name, const std::string& input,
                     std::shared_ptr<Module> module);
  void add_merge(NodeKind kind, const std::string& name, const std::vector<std::string>& inputs);
  void check_new_node(const std::string& name) const;
  int64_t index_of(const std::string& name, const std::string& node) const;  // checked
  std::vector<Tensor> run(const Tensor& x);  // the output nodes' values

  std::vector<Node> nodes_;
  std::vector<int64_t> last_use_;  // per node: the last node reading it (its value is then freed)
  std::vector<int64_t> outputs_;   // empty: the last node
};

}  // namespace nabla::nn
