// [loss] -> the training loss.
#pragma once
#include "nabla/io/config.hpp"
#include "nabla/train/trainer.hpp"

namespace nabla::recipe {

train::LossFn loss_from_config(const io::Config& loss);

}  // namespace nabla::recipe
