#include "nabla/recipe/model_config.hpp"

#include <algorithm>
#include <optional>

#include "nabla/nn/nn.hpp"
#include "nabla/ops/pool.hpp"
#include "nabla/recipe/inits.hpp"

namespace nabla::recipe {

namespace {

// Built-in models, written as layer lists so they go through the same builder as user configs.
const char* kLenet = R"(layers = [
  { type = "conv2d", out = 6, kernel = 5, padding = 2 }, { type = "relu" }, { type = "maxpool2d", kernel = 2 },
  { type = "conv2d", out = 16, kernel = 5 }, { type = "relu" }, { type = "maxpool2d", kernel = 2 },
  { type = "flatten" }, { type = "linear", out = 120 }, { type = "relu" },
  { type = "linear", out = 84 }, { type = "relu" }, { type = "linear", out = "classes" } ])";
const char* kMlp = R"(layers = [
  { type = "flatten" }, { type = "linear", out = 256 }, { type = "relu" },
  { type = "linear", out = 128 }, { type = "relu" }, { type = "linear", out = "classes" } ])";
// The default small CNN (configs/default.toml spells out the same list).
const char* kCnn = R"(layers = [
  { type = "conv2d", out = 32, kernel = 3, padding = 1, bias = false }, { type = "batchnorm2d" }, { type = "relu" },
  { type = "maxpool2d", kernel = 2 },
  { type = "conv2d", out = 64, kernel = 3, padding = 1, bias = false }, { type = "batchnorm2d" }, { type = "relu" },
  { type = "maxpool2d", kernel = 2 },
  { type = "flatten" }, { type = "dropout", p = 0.2 }, { type = "linear", out = 128 }, { type = "relu" },
  { type = "dropout", p = 0.2 }, { type = "linear", out = "classes" } ])";

const char* named_layers(const std::string& name) {
  if (name == "lenet") return kLenet;
  if (name == "mlp") return kMlp;
  if (name == "cnn") return kCnn;
  return nullptr;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// Follows one sample's shape through the layers.
struct ShapeTracker {
  Shape shape;  // (C, H, W) or (F)
  bool is_image() const { return shape.size() == 3; }
};

}  // namespace

const std::vector<std::string>& layer_types() {
  static const std::vector<std::string> t{
      "conv2d",    "linear",         "maxpool2d",      "avgpool2d", "batchnorm2d", "batchnorm1d",
      "groupnorm", "instancenorm2d", "layernorm",      "relu",      "leaky_relu",  "tanh",
      "sigmoid",   "maxout",         "channel_maxout", "dropout",   "dropout2d",   "flatten"};
  return t;
}

const std::vector<std::string>& named_models() {
  static const std::vector<std::string> n{"lenet", "mlp", "cnn"};
  return n;
}

std::string named_model_layers_toml(const std::string& name) {
  const char* l = named_layers(name);
  NABLA_CHECK(l != nullptr, "model", "unknown model name '", name,
              "' (expected one of: ", join(named_models()), ", or a `layers` list)");
  return l;
}

std::shared_ptr<nn::Sequential> model_from_config(const io::Config& model, const Shape& input_shape,
                                                  int64_t num_classes) {
  const std::string name = model.get_string("name", "");
  io::Config builtin;
  std::vector<io::Config> layers = model.get_table_list("layers");
  if (layers.empty()) {
    NABLA_CHECK(!name.empty(), "model", "the [model] table needs a `name` (", join(named_models()),
                ") or a `layers` list");
    builtin = io::parse_config(named_model_layers_toml(name), "model '" + name + "'");
    layers = builtin.get_table_list("layers");
  }
  NABLA_CHECK(input_shape.size() == 3 || input_shape.size() == 1, "model",
              "input shape must be (C, H, W) or (F), got ", shape_str(input_shape));
  auto net = std::make_shared<nn::Sequential>();
  ShapeTracker st{input_shape};

  for (size_t i = 0; i < layers.size(); ++i) {
    const io::Config& L = layers[i];
    const std::string type = L.get_string("type");
    const std::string where = "layer " + std::to_string(i) + " (" + type + ")";
    auto need_image = [&] {
      NABLA_CHECK(st.is_image(), "model", where, " needs an image input (C, H, W) but gets ",
                  shape_str(st.shape), "; put it before `flatten`");
    };
    auto need_flat = [&] {
      NABLA_CHECK(!st.is_image(), "model", where, " needs a flat input but gets ",
                  shape_str(st.shape), "; add { type = \"flatten\" } before it");
    };
    // `out` may be the word "classes" (the built-ins use it) or a number.
    auto get_out = [&]() -> int64_t {
      if (L.has("out")) {
        try {
          return L.get_int("out");
        } catch (const Error&) {
          NABLA_CHECK(L.get_string("out") == "classes", "model", where,
                      ": out must be a number or \"classes\"");
          return num_classes;
        }
      }
      NABLA_CHECK(false, "model", where, " needs `out`");
      return 0;
    };
    // batch norm's `momentum`: a number, or "none" for PyTorch's momentum=None (cumulative average)
    auto bn_momentum = [&]() -> std::optional<double> {
      if (!L.has("momentum")) return 0.1;
      try {
        return L.get_double("momentum");
      } catch (const Error&) {
        NABLA_CHECK(L.get_string("momentum") == "none", "model", where,
                    ": momentum must be a number or \"none\" (the cumulative average)");
        return std::nullopt;
      }
    };
    auto check_in = [&](int64_t inferred) {
      const int64_t in = L.get_int("in", inferred);
      NABLA_CHECK(in == inferred, "model", where, ": in = ", in, " but the previous layers give ",
                  inferred);
      return in;
    };

    if (type == "conv2d") {
      need_image();
      const int64_t in = check_in(st.shape[0]);
      const int64_t out = get_out();
      const int64_t k = L.get_int("kernel"), s = L.get_int("stride", 1),
                    d = L.get_int("dilation", 1);
      // `padding` is a number or the word "same" (PyTorch's padding='same', stride 1 only)
      bool same = false;
      int64_t p = 0;
      if (L.has("padding")) {
        try {
          p = L.get_int("padding");
        } catch (const Error&) {
          NABLA_CHECK(L.get_string("padding") == "same", "model", where,
                      ": padding must be a number or \"same\"");
          same = true;
        }
      }
      nn::Conv2dOptions o;
      o.stride = s;
      o.padding = same ? Conv2dPadding(kPaddingSame) : Conv2dPadding(p);
      o.dilation = d;
      o.groups = L.get_int("groups", 1);
      o.bias = L.get_bool("bias", true);
      const std::string mode = L.get_string("padding_mode", "zeros");
      NABLA_CHECK(mode == "zeros" || mode == "reflect" || mode == "replicate" || mode == "circular",
                  "model", where, ": unknown padding_mode '", mode,
                  "' (expected zeros, reflect, replicate or circular)");
      o.padding_mode = nn::padding_mode_from_name(mode);
      NABLA_CHECK(k > 0 && s > 0 && p >= 0 && d > 0 && out > 0, "model", where,
                  ": kernel, stride, dilation and out must be positive and padding >= 0");
      NABLA_CHECK(!same || s == 1, "model", where, ": padding = \"same\" needs stride = 1 (got ", s,
                  "); give padding as a number for a strided convolution");
      const Conv2dPadding pads = conv2d_explicit_padding(o.padding, k, s, d);
      const int64_t h = conv2d_output_size(st.shape[1], k, s, pads.top, pads.bottom, d),
                    w = conv2d_output_size(st.shape[2], k, s, pads.left, pads.right, d);
      NABLA_CHECK(h > 0 && w > 0, "model", where, ": a ", k, "x", k, " kernel does not fit the ",
                  st.shape[1], "x", st.shape[2], " input (output would be ", h, "x", w, ")");
      const int64_t most = std::max({pads.top, pads.bottom, pads.left, pads.right});
      NABLA_CHECK(
          o.padding_mode != nn::PaddingMode::Reflect || most < std::min(st.shape[1], st.shape[2]),
          "model", where, ": padding_mode = \"reflect\" needs padding (", most,
          ") smaller than the input (", st.shape[1], "x", st.shape[2],
          "); use less padding or padding_mode = \"replicate\"");
      NABLA_CHECK(
          o.padding_mode != nn::PaddingMode::Circular || most <= std::min(st.shape[1], st.shape[2]),
          "model", where, ": padding_mode = \"circular\" needs padding (", most,
          ") at most the input size (", st.shape[1], "x", st.shape[2], ")");
      net->push_back(nn::Conv2d(in, out, k, o));
      st.shape = {out, h, w};
    } else if (type == "linear") {
      need_flat();
      const int64_t in = check_in(st.shape[0]);
      const int64_t out = get_out();
      NABLA_CHECK(out > 0, "model", where, ": out must be positive");
      net->push_back(nn::Linear(in, out, {.bias = L.get_bool("bias", true)}));
      st.shape = {out};
    } else if (type == "maxpool2d" || type == "avgpool2d") {
      need_image();
      const int64_t k = L.get_int("kernel"), s = L.get_int("stride", k),
                    p = L.get_int("padding", 0);
      NABLA_CHECK(k > 0 && s > 0 && p >= 0, "model", where, ": kernel and stride must be positive");
      if (type == "maxpool2d")
        net->push_back(nn::MaxPool2d(k, {.stride = s, .padding = p}));
      else
        net->push_back(nn::AvgPool2d(k, {.stride = s, .padding = p}));
      // the op's own shape rule (one formula, its messages), prefixed with the layer's place
      try {
        st.shape =
            type == "maxpool2d"
                ? max_pool2d_output_shape(st.shape, {.kernel = k, .stride = Size2(s), .padding = p})
                : avg_pool2d_output_shape(st.shape,
                                          {.kernel = k, .stride = Size2(s), .padding = p});
      } catch (const Error& e) {
        throw Error("model: " + where + ": " + e.what());
      }
    } else if (type == "batchnorm2d") {
      need_image();
      net->push_back(nn::BatchNorm2d(st.shape[0], {.momentum = bn_momentum()}));
    } else if (type == "batchnorm1d") {
      need_flat();
      net->push_back(nn::BatchNorm1d(st.shape[0], {.momentum = bn_momentum()}));
    } else if (type == "groupnorm") {
      need_image();
      net->push_back(nn::GroupNorm(L.get_int("groups"), st.shape[0]));
    } else if (type == "instancenorm2d") {
      need_image();
      net->push_back(nn::InstanceNorm2d(st.shape[0]));
    } else if (type == "layernorm") {
      net->push_back(nn::LayerNorm(st.shape));
    } else if (type == "relu") {
      net->push_back(nn::ReLU());
    } else if (type == "leaky_relu") {
      net->push_back(nn::LeakyReLU(L.get_double("slope", 0.01)));
    } else if (type == "tanh") {
      net->push_back(nn::Tanh());
    } else if (type == "sigmoid") {
      net->push_back(nn::Sigmoid());
    } else if (type == "maxout") {
      need_flat();
      const int64_t in = check_in(st.shape[0]);
      const int64_t out = get_out();
      net->push_back(nn::Maxout(in, out, L.get_int("pieces", 2)));
      st.shape = {out};
    } else if (type == "channel_maxout") {
      need_image();
      const int64_t pieces = L.get_int("pieces", 2);
      NABLA_CHECK(pieces > 0 && st.shape[0] % pieces == 0, "model", where, ": ", st.shape[0],
                  " channels do not split into groups of ", pieces);
      net->push_back(nn::ChannelMaxout(pieces));
      st.shape[0] /= pieces;
    } else if (type == "dropout") {
      net->push_back(nn::Dropout(L.get_double("p", 0.5)));
    } else if (type == "dropout2d") {
      need_image();
      net->push_back(nn::Dropout2d(L.get_double("p", 0.5)));
    } else if (type == "flatten") {
      net->push_back(nn::Flatten());
      st.shape = {shape_numel(st.shape)};
    } else {
      NABLA_CHECK(false, "model", where, ": unknown layer type '", type,
                  "' (expected one of: ", join(layer_types()), ")");
    }
  }
  NABLA_CHECK(!net->empty(), "model", "the model has no layers");
  NABLA_CHECK(st.shape.size() == 1 && st.shape[0] == num_classes, "model", "the last layer gives ",
              shape_str(st.shape), " per sample but the data has ", num_classes,
              " classes; end with { type = \"linear\", out = ", num_classes, " }");
  const std::string init = model.get_string("init", "default");
  if (init != "default") init_model(*net, init);
  return net;
}

}  // namespace nabla::recipe
