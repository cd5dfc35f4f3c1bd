#include "nabla/recipe/imported_model.hpp"

#include "nabla/autograd/node.hpp"

namespace nabla::recipe {

namespace {

ModelFileLoader& onnx_loader() {
  static ModelFileLoader loader;
  return loader;
}

// The per-sample output shape of one zero sample, errors prefixed with the file.
Shape probe(nn::Module& net, const Shape& input_shape, const std::string& where) {
  Shape s{1};
  s.insert(s.end(), input_shape.begin(), input_shape.end());
  Tensor y;
  try {
    autograd::NoGradGuard no_grad;
    net.eval();
    y = net(Tensor::zeros(s));
  } catch (const AllocError&) {
    throw;
  } catch (const Error& e) {
    throw Error(where + ": running it on one sample of shape " + shape_str(input_shape) +
                " failed: " + e.what());
  }
  NABLA_CHECK(y.dim() >= 1 && y.size(0) == 1, "model.onnx", where, ": a batch of 1 gave ",
              shape_str(y.shape()),
              "; export the model with a batch dim first (dynamic_axes={'input': {0: 'N'}})");
  return Shape(y.shape().begin() + 1, y.shape().end());
}

}  // namespace

void set_onnx_model_loader(ModelFileLoader loader) { onnx_loader() = std::move(loader); }
bool has_onnx_model_loader() { return static_cast<bool>(onnx_loader()); }

bool is_imported_model(const io::Config& model) { return model.has("onnx"); }

BuiltModel build_imported_model(const io::Config& model, const Shape& input_shape,
                                int64_t num_classes, ModelHead head) {
  const std::string path = model.get_string("onnx");
  NABLA_CHECK(!model.has("layers"), "model.onnx",
              "give either `onnx` (an imported model) or `layers`, not both");
  NABLA_CHECK(model.get_string("init", "default") == "default", "model.init",
              "an imported model keeps its file's weights; remove `init`");
  NABLA_CHECK(has_onnx_model_loader(), "model.onnx", "\"", path,
              "\": no ONNX loader: this nabla was built without ONNX support (install "
              "libonnx-dev and libprotobuf-dev, ./nabla.sh setup, and rebuild); a C++ program "
              "registers one with recipe::set_onnx_model_loader");
  BuiltModel m;
  m.name = model.get_string("name", "");
  m.input_shape = input_shape;
  m.net = onnx_loader()(path);
  BuiltLayer l{"onnx", "onnx", {"input"}, {input_shape}, {}, m.net};
  l.output_shape = probe(*m.net, input_shape, "\"" + path + "\"");
  const Shape want = head == ModelHead::Scores
                         ? Shape{num_classes}
                         : Shape{num_classes, input_shape.size() == 3 ? input_shape[1] : 0,
                                 input_shape.size() == 3 ? input_shape[2] : 0};
  NABLA_CHECK(l.output_shape == want, "model.onnx", "\"", path, "\" gives ",
              shape_str(l.output_shape), " per sample but the data needs ", shape_str(want), " (",
              num_classes, " classes)");
  m.layers.push_back(l);
  m.outputs = {l.name};
  m.net->train();  // as a freshly built model: the trainer and evaluation switch it as they go
  return m;
}

}  // namespace nabla::recipe
