// [schedule] -> the learning rate of every step.
#pragma once
#include <cstdint>

#include "nabla/io/config.hpp"
#include "nabla/train/trainer.hpp"

namespace nabla::recipe {

// Empty when [schedule] is absent or name = "none".
train::LrSchedule schedule_from_config(const io::Config& schedule, double base_lr, int64_t epochs);

}  // namespace nabla::recipe
