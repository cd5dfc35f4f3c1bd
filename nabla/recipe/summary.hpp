// A model's summary, as Keras' model.summary() or torchinfo: per layer (or graph node) its name,
// type, output shape, parameter count and FLOPs, and the totals. Built from the config builder's
// probe pass (BuiltModel), so the shapes are those the ops computed.
//
//   layer  type       output        params    FLOPs
//   0      conv2d     (6, 28, 28)      156  235,200
//   ...
//   total: 61,706 parameters (61,706 trainable); 833,040 FLOPs per sample
//
// FLOPs per sample, 2 per multiply-add (the usual convention; biases not counted):
//   conv2d            2 * output elements * in_channels/groups * kh * kw
//   conv_transpose2d  2 * input elements * out_channels/groups * kh * kw (each input pixel
//                     scatters a kernel)
//   linear, maxout    2 * input elements * output units (maxout: out * pieces)
//   add               (inputs - 1) * output elements
// Everything else counts 0: activations, pooling, normalisation, dropout, flatten and concat do a
// few operations per element, small next to the weight layers, and how many is a convention (a
// max is a compare, a norm four or five ops), so they are left out rather than guessed.
#pragma once
#include <string>
#include <vector>

#include "nabla/recipe/model_config.hpp"

namespace nabla::recipe {

struct LayerSummary {
  std::string name;
  std::string type;
  std::vector<std::string> inputs;
  Shape output_shape;  // per sample
  int64_t params = 0;
  int64_t flops = 0;  // per sample
};

struct ModelSummary {
  std::string name;
  Shape input_shape;
  bool is_graph = false;
  std::vector<std::string> outputs;
  std::vector<LayerSummary> layers;
  int64_t params = 0;  // shared tensors counted once
  int64_t trainable_params = 0;
  int64_t flops = 0;
};

ModelSummary summarize(const BuiltModel& model);
// The table above; graphs get an `inputs` column and an outputs line.
std::string format_summary(const ModelSummary& summary);
// One layer's FLOPs per sample by the rules above.
int64_t layer_flops(const BuiltLayer& layer);

}  // namespace nabla::recipe
