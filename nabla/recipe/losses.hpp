// [loss] -> the training loss, through the losses() table: one entry per `loss.name`, the only
// list of them. Every built-in trains a classifier whose output is (N, C) logits against int64
// class indices (N), which is what `nabla train` builds and what evaluation reads (softmax of
// the output). A C++ user adds one without editing nabla:
//
//   recipe::losses().add("focal", [](const io::Config& l) -> train::LossFn {...}, "...");
#pragma once
#include <functional>

#include "nabla/core/registry.hpp"
#include "nabla/io/config.hpp"
#include "nabla/train/trainer.hpp"

namespace nabla::recipe {

// Builds the loss from the [loss] table, reading only the keys it uses.
using LossBuilder = std::function<train::LossFn(const io::Config& loss)>;

// The table (built-ins: cross_entropy, nll, bce_with_logits, mse). Help strings end in
// "(keys: key = default; ...)" when the loss has options.
Registry<LossBuilder>& losses();

// loss.name (default "cross_entropy") looked up in losses().
train::LossFn loss_from_config(const io::Config& loss);

}  // namespace nabla::recipe
