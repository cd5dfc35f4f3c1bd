#include "nabla/recipe/layers.hpp"

#include <optional>

#include "nabla/nn/nn.hpp"

namespace nabla::recipe {

const Shape& LayerSpec::input() const {
  check_layer(input_shapes.size() == 1, "takes one input, got ", input_shapes.size());
  return input_shapes[0];
}

const Shape& image_input(const LayerSpec& s) {
  const Shape& in = s.input();
  check_layer(in.size() == 3, "needs an image input (C, H, W) but gets ", shape_str(in),
              "; put it before `flatten`");
  return in;
}

const Shape& flat_input(const LayerSpec& s) {
  const Shape& in = s.input();
  check_layer(in.size() == 1, "needs a flat input but gets ", shape_str(in),
              "; add { type = \"flatten\" } before it");
  return in;
}

int64_t layer_out(const LayerSpec& s) {
  check_layer(s.config.has("out"), "needs `out`");
  try {
    return s.config.get_int("out");
  } catch (const Error&) {
    check_layer(s.config.get_string("out") == "classes", "out must be a number or \"classes\"");
    return s.num_classes;
  }
}

int64_t layer_in(const LayerSpec& s, int64_t inferred) {
  const int64_t in = s.config.get_int("in", inferred);
  check_layer(in == inferred, "in = ", in, " but the previous layers give ", inferred);
  return in;
}

namespace {

using ModulePtr = std::shared_ptr<nn::Module>;

// conv2d's `padding`: a number or the word "same" (PyTorch's padding='same')
Conv2dPadding conv_padding(const io::Config& c) {
  if (!c.has("padding")) return Conv2dPadding(0);
  try {
    return Conv2dPadding(c.get_int("padding"));
  } catch (const Error&) {
    check_layer(c.get_string("padding") == "same", "padding must be a number or \"same\"");
    return Conv2dPadding(kPaddingSame);
  }
}

// batch norm's `momentum`: a number, or "none" for PyTorch's momentum=None (cumulative average)
std::optional<double> bn_momentum(const io::Config& c) {
  if (!c.has("momentum")) return 0.1;
  try {
    return c.get_double("momentum");
  } catch (const Error&) {
    check_layer(c.get_string("momentum") == "none",
                "momentum must be a number or \"none\" (the cumulative average)");
    return std::nullopt;
  }
}

ModulePtr conv2d(const LayerSpec& s) {
  const io::Config& c = s.config;
  const int64_t in = layer_in(s, image_input(s)[0]);
  const int64_t out = layer_out(s);
  nn::Conv2dOptions o;
  o.stride = c.get_int("stride", 1);
  o.padding = conv_padding(c);
  o.dilation = c.get_int("dilation", 1);
  o.groups = c.get_int("groups", 1);
  o.bias = c.get_bool("bias", true);
  o.padding_mode = nn::padding_mode_from_name(c.get_string("padding_mode", "zeros"));
  return std::make_shared<nn::Conv2d>(in, out, c.get_int("kernel"), o);
}

ModulePtr conv_transpose2d(const LayerSpec& s) {
  const io::Config& c = s.config;
  const int64_t in = layer_in(s, image_input(s)[0]);
  const int64_t out = layer_out(s);
  nn::ConvTranspose2dOptions o;
  o.stride = c.get_int("stride", 1);
  o.padding = c.get_int("padding", 0);
  o.output_padding = c.get_int("output_padding", 0);
  o.dilation = c.get_int("dilation", 1);
  o.groups = c.get_int("groups", 1);
  o.bias = c.get_bool("bias", true);
  return std::make_shared<nn::ConvTranspose2d>(in, out, c.get_int("kernel"), o);
}

ModulePtr linear(const LayerSpec& s) {
  const int64_t in = layer_in(s, flat_input(s)[0]);
  return std::make_shared<nn::Linear>(in, layer_out(s),
                                      nn::LinearOptions{.bias = s.config.get_bool("bias", true)});
}

ModulePtr maxout(const LayerSpec& s) {
  const int64_t in = layer_in(s, flat_input(s)[0]);
  const int64_t out = layer_out(s);
  return std::make_shared<nn::Maxout>(in, out, s.config.get_int("pieces", 2));
}

template <class Pool, class Options>
ModulePtr pool2d(const LayerSpec& s) {
  image_input(s);
  const int64_t k = s.config.get_int("kernel");
  return std::make_shared<Pool>(k, Options{.stride = Size2(s.config.get_int("stride", k)),
                                           .padding = s.config.get_int("padding", 0)});
}

template <class Pool>
ModulePtr adaptive_pool2d(const LayerSpec& s) {
  image_input(s);
  return std::make_shared<Pool>(s.config.get_int("size", 1));
}

ModulePtr batchnorm2d(const LayerSpec& s) {
  return std::make_shared<nn::BatchNorm2d>(image_input(s)[0],
                                           nn::BatchNormOptions{.momentum = bn_momentum(s.config)});
}

ModulePtr batchnorm1d(const LayerSpec& s) {
  return std::make_shared<nn::BatchNorm1d>(flat_input(s)[0],
                                           nn::BatchNormOptions{.momentum = bn_momentum(s.config)});
}

ModulePtr groupnorm(const LayerSpec& s) {
  const int64_t channels = image_input(s)[0];
  return std::make_shared<nn::GroupNorm>(s.config.get_int("groups"), channels);
}

template <class M>
ModulePtr plain(const LayerSpec&) {
  return std::make_shared<M>();
}

ModulePtr instancenorm2d(const LayerSpec& s) {
  return std::make_shared<nn::InstanceNorm2d>(image_input(s)[0]);
}

ModulePtr layernorm(const LayerSpec& s) { return std::make_shared<nn::LayerNorm>(s.input()); }

ModulePtr leaky_relu(const LayerSpec& s) {
  return std::make_shared<nn::LeakyReLU>(s.config.get_double("slope", 0.01));
}

ModulePtr gelu(const LayerSpec& s) {
  return std::make_shared<nn::GELU>(s.config.get_string("approximate", "none"));
}

ModulePtr channel_maxout(const LayerSpec& s) {
  image_input(s);
  return std::make_shared<nn::ChannelMaxout>(s.config.get_int("pieces", 2));
}

ModulePtr dropout(const LayerSpec& s) {
  return std::make_shared<nn::Dropout>(s.config.get_double("p", 0.5));
}

ModulePtr dropout2d(const LayerSpec& s) {
  image_input(s);
  return std::make_shared<nn::Dropout2d>(s.config.get_double("p", 0.5));
}

// The built-ins, in the order --help and the unknown-type message list them.
std::vector<Registry<LayerBuilder>::Entry> builtin_layers() {
  using MaxPool = nn::MaxPool2d;
  using AvgPool = nn::AvgPool2d;
  return {
      {"conv2d", conv2d,
       "2-D convolution: out, kernel; stride, padding (a number or \"same\"), padding_mode "
       "(zeros, reflect, replicate, circular), dilation, groups, bias"},
      {"conv_transpose2d", conv_transpose2d,
       "transposed convolution (learned upsampling): out, kernel; stride, padding, "
       "output_padding, dilation, groups, bias"},
      {"linear", linear, "fully connected: out (a number or \"classes\"); bias"},
      {"maxpool2d", pool2d<MaxPool, nn::MaxPool2dOptions>,
       "max pooling: kernel; stride (default: the kernel), padding"},
      {"avgpool2d", pool2d<AvgPool, nn::AvgPool2dOptions>,
       "average pooling: kernel; stride (default: the kernel), padding"},
      {"adaptive_avgpool2d", adaptive_pool2d<nn::AdaptiveAvgPool2d>,
       "average pooling to a size x size map; size (1: global average pooling)"},
      {"adaptive_maxpool2d", adaptive_pool2d<nn::AdaptiveMaxPool2d>,
       "max pooling to a size x size map; size (1: global max pooling)"},
      {"batchnorm2d", batchnorm2d, "batch norm over channels; momentum (a number or \"none\")"},
      {"batchnorm1d", batchnorm1d, "batch norm over features; momentum (a number or \"none\")"},
      {"groupnorm", groupnorm, "group norm: groups"},
      {"instancenorm2d", instancenorm2d, "instance norm"},
      {"layernorm", layernorm, "layer norm over the whole sample"},
      {"relu", plain<nn::ReLU>, "max(x, 0)"},
      {"leaky_relu", leaky_relu, "x for x > 0, else slope x; slope (0.01)"},
      {"tanh", plain<nn::Tanh>, "tanh"},
      {"sigmoid", plain<nn::Sigmoid>, "1 / (1 + exp(-x))"},
      {"gelu", gelu, "x * Phi(x), BERT's and GPT's smooth ReLU; approximate (\"none\" | \"tanh\")"},
      {"maxout", maxout, "linear to out x pieces units, the max of each group: out; pieces (2)"},
      {"channel_maxout", channel_maxout, "the max of each group of pieces channels; pieces (2)"},
      {"dropout", dropout, "zeroes elements with probability p (0.5) in training"},
      {"dropout2d", dropout2d, "zeroes whole channels with probability p (0.5) in training"},
      {"flatten", plain<nn::Flatten>, "(C, H, W) -> (C*H*W)"},
  };
}

}  // namespace

Registry<LayerBuilder>& layer_types() {
  static Registry<LayerBuilder> table("layer type", "model.layers", builtin_layers());
  return table;
}

}  // namespace nabla::recipe
