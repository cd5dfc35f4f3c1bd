// The layer types a config's `[model] layers = [ { type = "conv2d", ... }, ... ]` may use: one
// table of name -> builder -> one-line help. Dispatch, the unknown-type message and the docs all
// read it, and it is open:
//
//   recipe::layer_types().add("swish", [](const recipe::LayerSpec& s) {
//     return std::make_shared<MySwish>(s.config.get_double("beta", 1.0));
//   }, "x * sigmoid(beta x)");
//
// A builder makes the module only: it reads its keys and the input shape (a linear layer's in,
// a norm's channels); the output shape comes from running the module (model_config.cpp's probe),
// so no builder repeats an op's size formula or checks. What a builder throws (nabla::Error) is
// prefixed with the layer's place ("model: layer 3 (conv2d): ") by the caller.
//
// `add` and `concat` are not in this table: they merge several inputs and are nodes of nn::Graph,
// not modules (see model_config.hpp).
#pragma once
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "nabla/core/registry.hpp"
#include "nabla/core/tensor.hpp"
#include "nabla/io/config.hpp"
#include "nabla/nn/module.hpp"

namespace nabla::recipe {

// What a builder gets for one entry of `layers`.
struct LayerSpec {
  io::Config config;                // the entry's table (keys relative to it: "out", "kernel")
  std::vector<Shape> input_shapes;  // per sample, e.g. {1, 28, 28}; one input for every module
  int64_t num_classes = 0;          // for `out = "classes"`
  std::string where;                // "layer 3 (conv2d)" or "node \"skip3\" (conv2d)"

  const Shape& input() const;  // the one input's shape
};

using LayerBuilder = std::function<std::shared_ptr<nn::Module>(const LayerSpec&)>;

Registry<LayerBuilder>& layer_types();

// A builder's own error, without the place (the caller prefixes it).
template <class... Args>
void check_layer(bool ok, const Args&... message) {
  if (ok) return;
  std::ostringstream os;
  (os << ... << message);
  throw Error(os.str());
}

// Helpers the built-in builders share (and a user's may use):
// the input as (C, H, W), or an error that says to put the layer before `flatten`
const Shape& image_input(const LayerSpec& s);
// the input as (F), or an error that says to add a `flatten` before the layer
const Shape& flat_input(const LayerSpec& s);
// `out`: a number or the word "classes" (the data's class count); required
int64_t layer_out(const LayerSpec& s);
// `in` when given must equal what the previous layers give (`inferred`)
int64_t layer_in(const LayerSpec& s, int64_t inferred);

}  // namespace nabla::recipe
