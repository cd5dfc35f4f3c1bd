// The shape pass of the config builder: each freshly built layer runs forward once on a zero
// tensor of batch 1, so its output shape is the op's own answer (one formula, in the op) and an
// op's refusal is the op's own message, prefixed with the layer's place.
//
// The probe runs in eval mode under NoGradGuard: dropout draws nothing and batch norm uses (and
// leaves) its running statistics, so no random number is drawn and no state changes; a model
// built with the probe has the weights the same seed gave before it.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nabla/recipe/layers.hpp"

namespace nabla::recipe {

// build(spec), then the probe; the module's per-sample output shape goes to `output_shape`.
// Errors (from the builder, the module's constructor or its forward) are rethrown as
// "model: <spec.where>: <message>"; a ConfigError (a key of the wrong type) already names its
// key and line and passes unchanged.
std::shared_ptr<nn::Module> build_and_probe(const LayerBuilder& build, const LayerSpec& spec,
                                            Shape& output_shape);

// The per-sample output shape of an `add` or `concat` of inputs with these shapes (and names),
// from nn::Graph::merge itself.
Shape probe_merge(const std::string& type, const std::vector<std::string>& inputs,
                  const std::vector<Shape>& shapes, const std::string& where);

}  // namespace nabla::recipe
