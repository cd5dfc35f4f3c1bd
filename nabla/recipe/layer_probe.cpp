#include "nabla/recipe/layer_probe.hpp"

#include "nabla/autograd/node.hpp"
#include "nabla/nn/graph.hpp"

namespace nabla::recipe {

namespace {

// Runs f(), giving its errors the layer's place; the error keeps its kind (exit codes follow it).
template <class F>
auto at_place(const std::string& where, F&& f) {
  const std::string place = "model: " + where + ": ";
  try {
    return f();
  } catch (const io::ConfigError&) {
    throw;
  } catch (const IoError&) {
    throw;
  } catch (const AllocError& e) {
    throw AllocError(place + e.what());
  } catch (const Error& e) {
    throw Error(place + e.what());
  }
}

Tensor zeros_batch_of_one(const Shape& per_sample) {
  Shape s{1};
  s.insert(s.end(), per_sample.begin(), per_sample.end());
  return Tensor::zeros(s);
}

Shape per_sample(const Tensor& y) {
  check_layer(y.dim() >= 1 && y.size(0) == 1,
              "the layer changed the batch dimension: a batch of 1 gave ", shape_str(y.shape()));
  return Shape(y.shape().begin() + 1, y.shape().end());
}

}  // namespace

std::shared_ptr<nn::Module> build_and_probe(const LayerBuilder& build, const LayerSpec& spec,
                                            Shape& output_shape) {
  return at_place(spec.where, [&] {
    std::shared_ptr<nn::Module> m = build(spec);
    check_layer(m != nullptr, "the layer type's builder returned no module");
    const bool was_training = m->is_training();
    m->eval();
    {
      autograd::NoGradGuard no_grad;
      output_shape = per_sample(m->forward(zeros_batch_of_one(spec.input())));
    }
    m->train(was_training);
    return m;
  });
}

Shape probe_merge(const std::string& type, const std::vector<std::string>& inputs,
                  const std::vector<Shape>& shapes, const std::string& where) {
  return at_place(where, [&] {
    std::vector<Tensor> values;
    for (const auto& s : shapes) values.push_back(zeros_batch_of_one(s));
    const auto kind = type == "add" ? nn::Graph::NodeKind::Add : nn::Graph::NodeKind::Concat;
    autograd::NoGradGuard no_grad;
    return per_sample(nn::Graph::merge(kind, inputs, values));
  });
}

}  // namespace nabla::recipe
