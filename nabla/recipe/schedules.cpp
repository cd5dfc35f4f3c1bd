#include "nabla/recipe/schedules.hpp"

#include <algorithm>
#include <memory>

#include "nabla/core/error.hpp"
#include "nabla/optim/schedule.hpp"

namespace nabla::recipe {

namespace {

using train::ScheduleContext;
using train::Scheduler;
using train::SchedulerFactory;

// cosine and warmup_cosine: stepped once per iteration, over every step of the run (the closed
// form's numbers are those of the closures these configs used before the trainer took
// LrScheduler objects).
SchedulerFactory cosine(const io::Config& s, double warmup_epochs) {
  const double min_lr = s.get_double("min_lr", 0.0);
  NABLA_CHECK(warmup_epochs >= 0, "schedule.warmup_epochs", "must be >= 0, got ", warmup_epochs);
  return [=](optim::Optimizer& opt, const ScheduleContext& c) {
    optim::WarmupCosineOptions w;
    w.total_steps = std::max<int64_t>(1, c.epochs * c.steps_per_epoch);
    w.warmup_steps = warmup_epochs * static_cast<double>(c.steps_per_epoch);
    w.eta_min = min_lr;
    return Scheduler::per_step(std::make_unique<optim::WarmupCosineLR>(opt, w));
  };
}

// lr = base_lr * gamma^(epoch / step_epochs): PyTorch's StepLR stepped at every epoch end.
SchedulerFactory step(const io::Config& s) {
  const int64_t step_epochs = s.get_int("step_epochs");
  const double gamma = s.get_double("gamma", 0.1);
  NABLA_CHECK(step_epochs > 0, "schedule.step_epochs", "must be positive, got ", step_epochs);
  NABLA_CHECK(gamma > 0, "schedule.gamma", "must be > 0, got ", gamma);
  return [=](optim::Optimizer& opt, const ScheduleContext&) {
    return Scheduler::per_epoch(std::make_unique<optim::StepLR>(
        opt, optim::StepLrOptions{.step_size = step_epochs, .gamma = gamma}));
  };
}

// lr = base_lr * gamma^epoch: PyTorch's ExponentialLR stepped at every epoch end.
SchedulerFactory exponential(const io::Config& s) {
  const double gamma = s.get_double("gamma");
  NABLA_CHECK(gamma > 0 && gamma <= 1, "schedule.gamma",
              "must be in (0, 1] (the factor per epoch, e.g. 0.9), got ", gamma);
  return [=](optim::Optimizer& opt, const ScheduleContext&) {
    return Scheduler::per_epoch(
        std::make_unique<optim::ExponentialLR>(opt, optim::ExponentialLrOptions{.gamma = gamma}));
  };
}

// PyTorch's ReduceLROnPlateau (mode min, relative threshold) on the validation loss, stepped at
// every epoch end. The checks repeat the class's so that a bad value fails when the config is
// read, naming its key, not after the first epoch.
SchedulerFactory plateau(const io::Config& s) {
  optim::PlateauOptions p;
  p.factor = s.get_double("factor", 0.1);
  p.patience = s.get_int("patience", 10);
  p.threshold = s.get_double("threshold", 1e-4);
  p.cooldown = s.get_int("cooldown", 0);
  p.min_lr = s.get_double("min_lr", 0.0);
  NABLA_CHECK(p.factor >= 0 && p.factor < 1, "schedule.factor",
              "must be in [0, 1) (new lr = lr * factor), got ", p.factor);
  NABLA_CHECK(p.patience >= 0, "schedule.patience", "must be >= 0, got ", p.patience);
  NABLA_CHECK(p.threshold >= 0, "schedule.threshold", "must be >= 0, got ", p.threshold);
  NABLA_CHECK(p.cooldown >= 0, "schedule.cooldown", "must be >= 0, got ", p.cooldown);
  NABLA_CHECK(p.min_lr >= 0, "schedule.min_lr", "must be >= 0, got ", p.min_lr);
  return [=](optim::Optimizer& opt, const ScheduleContext&) {
    return Scheduler::on_plateau(std::make_unique<optim::ReduceLROnPlateau>(opt, p));
  };
}

}  // namespace

Registry<ScheduleBuilder>& schedules() {
  static Registry<ScheduleBuilder> table(
      "schedule", "schedule.name",
      {{"none", [](const io::Config&) { return SchedulerFactory{}; },
        "the optimizer's lr throughout"},
       {"cosine", [](const io::Config& s) { return cosine(s, 0.0); },
        "per step, half a cosine from optimizer.lr down to min_lr over the run; keys: min_lr"},
       {"warmup_cosine",
        [](const io::Config& s) { return cosine(s, s.get_double("warmup_epochs", 1.0)); },
        "per step, linear warm-up over warmup_epochs (default 1, may be fractional), then cosine "
        "to min_lr; keys: warmup_epochs, min_lr"},
       {"step", step,
        "per epoch, lr times gamma every step_epochs epochs (PyTorch's StepLR); keys: "
        "step_epochs (required), gamma (default 0.1)"},
       {"exponential", exponential,
        "per epoch, lr times gamma after every epoch (PyTorch's ExponentialLR); keys: gamma "
        "(required)"},
       {"plateau", plateau,
        "per epoch, lr times factor when the validation loss stopped improving (PyTorch's "
        "ReduceLROnPlateau, mode min); keys: factor (0.1), patience (10), threshold (1e-4, "
        "relative), cooldown (0), min_lr (0); needs a validation set"}});
  return table;
}

SchedulerFactory schedule_from_config(const io::Config& s) {
  return schedules().builder(s.get_string("name", "none"))(s);
}

}  // namespace nabla::recipe
