#include "nabla/onnx/export.hpp"

#include <onnx/checker.h>

#include "nabla/autograd/node.hpp"
#include "nabla/nn/container.hpp"
#include "nabla/nn/graph.hpp"
#include "nabla/onnx/export_builder.hpp"
#include "nabla/onnx/tensor_io.hpp"

namespace nabla::onnx {
namespace detail {

std::string GraphBuilder::unique(const std::string& base) {
  std::string name = base.empty() ? "v" : base;
  for (int n = 1; !taken_.insert(name).second; ++n) name = base + "_" + std::to_string(n);
  return name;
}

::onnx::NodeProto& GraphBuilder::node(const std::string& op, const std::string& name,
                                      const std::vector<std::string>& inputs) {
  ::onnx::NodeProto& n = *g_.add_node();
  n.set_op_type(op);
  n.set_name(unique(name + "/" + op));
  for (const auto& i : inputs) n.add_input(i);
  n.add_output(unique(name.empty() ? op : name));
  return n;
}

std::string GraphBuilder::initializer(const Tensor& t, const std::string& name) {
  const std::string n = unique(name);
  *g_.add_initializer() = tensor_to_proto(t, n);
  return n;
}

void attr(::onnx::NodeProto& n, const std::string& name, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INT);
  a->set_i(v);
}

void attr(::onnx::NodeProto& n, const std::string& name, float v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

void attr(::onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

}  // namespace detail

namespace {

using detail::GraphBuilder;

std::string join(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

std::vector<std::string> export_module(GraphBuilder& b, const nn::Module& m,
                                       const std::string& path, const std::string& x);

// Nodes in order; a merge of two or more inputs is a chain of Adds or one Concat on channels.
std::vector<std::string> export_graph(GraphBuilder& b, const nn::Graph& g, const std::string& path,
                                      const std::string& x) {
  std::vector<std::string> value(g.nodes().size());
  auto input = [&](int64_t i) { return i < 0 ? x : value[static_cast<size_t>(i)]; };
  for (size_t k = 0; k < g.nodes().size(); ++k) {
    const auto& node = g.nodes()[k];
    const std::string name = join(path, node.name);
    if (node.kind == nn::Graph::NodeKind::Layer) {
      value[k] = export_module(b, *node.module, name, input(node.inputs.at(0))).at(0);
    } else if (node.kind == nn::Graph::NodeKind::Concat) {
      std::vector<std::string> ins;
      for (int64_t i : node.inputs) ins.push_back(input(i));
      auto& n = b.node("Concat", name, ins);
      detail::attr(n, "axis", int64_t{1});
      value[k] = b.out(n);
    } else {
      std::string acc = input(node.inputs.at(0));
      for (size_t i = 1; i < node.inputs.size(); ++i)
        acc = b.out(b.node("Add", name, {acc, input(node.inputs[i])}));
      value[k] = acc;
    }
  }
  std::vector<std::string> outs;
  for (const auto& name : g.output_names())
    for (size_t k = 0; k < g.nodes().size(); ++k)
      if (g.nodes()[k].name == name) outs.push_back(value[k]);
  return outs;
}

std::vector<std::string> export_module(GraphBuilder& b, const nn::Module& m,
                                       const std::string& path, const std::string& x) {
  if (const auto* g = dynamic_cast<const nn::Graph*>(&m)) return export_graph(b, *g, path, x);
  if (dynamic_cast<const nn::Sequential*>(&m) != nullptr) {
    std::string v = x;
    for (const auto& [name, child] : m.named_children())
      v = export_module(b, *child, join(path, name), v).at(0);
    return {v};
  }
  return {detail::export_layer(b, m, path, x)};
}

::onnx::ValueInfoProto value_info(const std::string& name, int elem_type, const Shape* shape) {
  ::onnx::ValueInfoProto v;
  v.set_name(name);
  auto* tt = v.mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem_type);
  if (shape != nullptr) {
    auto* s = tt->mutable_shape();
    s->add_dim()->set_dim_param("N");
    for (int64_t d : *shape) s->add_dim()->set_dim_value(d);
  }
  return v;
}

// One sample's output shapes (batch dim dropped), from running the model once in eval mode.
std::vector<Shape> probe_output_shapes(nn::Module& model, const Shape& input_shape, DType dt) {
  const bool was_training = model.is_training();
  model.eval();
  autograd::NoGradGuard no_grad;
  Shape batch{1};
  batch.insert(batch.end(), input_shape.begin(), input_shape.end());
  const Tensor x = Tensor::zeros(batch, dt);
  std::vector<Tensor> ys;
  if (auto* g = dynamic_cast<nn::Graph*>(&model))
    for (auto& [name, y] : g->forward_all(x)) ys.push_back(y);
  else
    ys.push_back(model(x));
  model.train(was_training);
  std::vector<Shape> shapes;
  for (const auto& y : ys) shapes.emplace_back(y.shape().begin() + 1, y.shape().end());
  return shapes;
}

// The exported graph's outputs get readable names: an Identity renames each one.
void name_outputs(GraphBuilder& b, ::onnx::GraphProto& g, const std::vector<std::string>& outs,
                  const std::vector<Shape>& shapes, const ExportOptions& o, int elem_type) {
  for (size_t i = 0; i < outs.size(); ++i) {
    const std::string want =
        i == 0 ? o.output_name : std::string("output_").append(std::to_string(i));
    auto& n = b.node("Identity", want, {outs[i]});
    *g.add_output() = value_info(n.output(0), elem_type, &shapes.at(i));
  }
}

}  // namespace

::onnx::ModelProto export_model(nn::Module& model, const Shape& input_shape,
                                const ExportOptions& options) {
  NABLA_CHECK(options.opset >= 13 && options.opset <= 17, "onnx export",
              "opset must be 13 to 17, got ", options.opset);
  ::onnx::ModelProto m;
  m.set_ir_version(::onnx::IR_VERSION);
  m.set_producer_name("nabla");
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(options.opset);
  ::onnx::GraphProto& g = *m.mutable_graph();
  g.set_name(model.type_name());
  const auto params = model.parameters();
  const bool f64 = !params.empty() && params[0].dtype() == DType::Float64;
  const int elem = f64 ? ::onnx::TensorProto::DOUBLE : ::onnx::TensorProto::FLOAT;
  const auto shapes =
      probe_output_shapes(model, input_shape, f64 ? DType::Float64 : DType::Float32);
  GraphBuilder b(g);
  b.dtype = f64 ? DType::Float64 : DType::Float32;
  b.unique(options.input_name);
  *g.add_input() = value_info(options.input_name, elem, &input_shape);
  const auto outs = export_module(b, model, "", options.input_name);
  name_outputs(b, g, outs, shapes, options, elem);
  return m;
}

void check_model(const ::onnx::ModelProto& model) {
  try {
    ::onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    throw Error(std::string("onnx checker: ") + e.what());
  }
}

}  // namespace nabla::onnx
