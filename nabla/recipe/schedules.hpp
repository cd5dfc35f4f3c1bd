// [schedule] -> the trainer's learning-rate scheduler, through one table of named schedules.
//
//   [schedule]
//   name = "warmup_cosine"   # see schedules() for every name and the keys each reads
//   warmup_epochs = 1
//   min_lr = 1e-5
//
// A C++ user adds a schedule of their own without editing nabla:
//
//   recipe::schedules().add("halve_each_epoch", [](const io::Config&) -> train::SchedulerFactory {
//     return [](optim::Optimizer& opt, const train::ScheduleContext&) {
//       return train::Scheduler::per_epoch(std::make_unique<optim::ExponentialLR>(
//           opt, optim::ExponentialLrOptions{.gamma = 0.5}));
//     };
//   }, "lr halves after every epoch");
#pragma once
#include <functional>

#include "nabla/core/registry.hpp"
#include "nabla/io/config.hpp"
#include "nabla/train/trainer.hpp"

namespace nabla::recipe {

// Reads its keys from the [schedule] table when the config is loaded (so a bad or misspelt key
// fails before training) and returns the factory fit() builds the scheduler with, once the
// optimizer and the steps per epoch are known. An empty factory keeps the optimizer's lr.
using ScheduleBuilder = std::function<train::SchedulerFactory(const io::Config& schedule)>;

// none | cosine | warmup_cosine | step | exponential | plateau (each entry's help says what it
// does and which keys it reads).
Registry<ScheduleBuilder>& schedules();

// The builder of schedule.name (default "none") applied to the table; empty for "none".
train::SchedulerFactory schedule_from_config(const io::Config& schedule);

}  // namespace nabla::recipe
