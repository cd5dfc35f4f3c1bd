// Learning-rate schedules with PyTorch 1.13 semantics (torch.optim.lr_scheduler). A schedule
// owns no parameters: it rewrites its optimizer's per-group lr each step(). Constructing one
// applies epoch 0, as in PyTorch (LinearLR starts at lr * start_factor).
//
// Use: call opt.step() for every batch and sched.step() once per epoch (or per iteration for
// warm-up), and plateau.step(validation_loss) once per epoch. train::Trainer does this for you
// (TrainerOptions::lr_scheduler says which schedule and whether it steps per iteration or per
// epoch). "Epoch" below is PyTorch's name for one step() of the schedule, whatever unit the
// caller steps it in.
//
// StepLR, CosineAnnealingLR, LinearLR, ExponentialLR and LambdaLR are PyTorch's, checked against
// its numbers (tests/optim/test_schedules.cpp); WarmupCosineLR has no PyTorch twin: it is the
// closed form the config schedules `cosine` and `warmup_cosine` have always used.
//
// state_dict() keys: "last_epoch", "base_lrs" (one value per group), "last_lr", and for
// ReduceLROnPlateau "best", "num_bad_epochs", "cooldown_counter"; all float64.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "nabla/optim/optimizer.hpp"

namespace nabla::optim {

class LrScheduler {
 public:
  virtual ~LrScheduler() = default;
  LrScheduler(const LrScheduler&) = delete;
  LrScheduler& operator=(const LrScheduler&) = delete;

  // Advances one epoch and writes the new learning rates into the optimizer.
  void step();
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& last_lr() const { return last_lr_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }

  StateDict state_dict() const;
  // Throws nabla::Error for a missing or mis-sized entry (e.g. another number of groups).
  void load_state_dict(const StateDict& dict);

 protected:
  LrScheduler(Optimizer& optimizer, const char* name);
  // Derived constructors call this last: epoch 0, as PyTorch's constructor does.
  void initial_step() { step(); }
  // The learning rates for last_epoch_ (already advanced), from the optimizer's current ones
  // (PyTorch's chainable get_lr).
  virtual std::vector<double> compute_lr() const = 0;
  std::vector<double> current_lrs() const;

  Optimizer& optimizer_;
  const char* name_;
  std::vector<double> base_lrs_;
  std::vector<double> last_lr_;
  int64_t last_epoch_ = -1;
};

// lr = base_lr * gamma^(epoch / step_size)
struct StepLrOptions {
  int64_t step_size = 0;  // required, >= 1
  double gamma = 0.1;
};
class StepLR : public LrScheduler {
 public:
  StepLR(Optimizer& optimizer, StepLrOptions options);

 protected:
  std::vector<double> compute_lr() const override;
  StepLrOptions options_;
};

// lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * epoch / t_max)) / 2, computed
// recursively from the current lr as PyTorch does (and rising again after t_max).
struct CosineAnnealingOptions {
  int64_t t_max = 0;  // required, >= 1
  double eta_min = 0;
};
class CosineAnnealingLR : public LrScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, CosineAnnealingOptions options);

 protected:
  std::vector<double> compute_lr() const override;
  CosineAnnealingOptions options_;
};

// Linear warm-up: the factor on base_lr goes from start_factor to end_factor over total_iters
// steps, then stays.
struct LinearLrOptions {
  double start_factor = 1.0 / 3;
  double end_factor = 1.0;
  int64_t total_iters = 5;
};
class LinearLR : public LrScheduler {
 public:
  LinearLR(Optimizer& optimizer, LinearLrOptions options = {});

 protected:
  std::vector<double> compute_lr() const override;
  LinearLrOptions options_;
};

// lr = base_lr * gamma^epoch, computed recursively (lr *= gamma each step) as PyTorch does.
struct ExponentialLrOptions {
  double gamma = 0;  // required, > 0
};
class ExponentialLR : public LrScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, ExponentialLrOptions options);

 protected:
  std::vector<double> compute_lr() const override;
  ExponentialLrOptions options_;
};

// lr = base_lr * lambda(epoch): any schedule written as a function of the step count, e.g.
// LambdaLR(opt, [](int64_t t) { return 1.0 / (1.0 + 0.01 * t); }). One function for every group.
class LambdaLR : public LrScheduler {
 public:
  LambdaLR(Optimizer& optimizer, std::function<double(int64_t epoch)> lambda);

 protected:
  std::vector<double> compute_lr() const override;
  std::function<double(int64_t)> lambda_;
};

// Linear warm-up, then a half cosine from base_lr down to eta_min, as a closed form of the step t
// (not PyTorch's recursion, so replaying t steps gives bit for bit the rate of step t):
//   t < warmup_steps:  lr = base_lr * (t + 1) / warmup_steps
//   otherwise:         p = min(1, (t - warmup_steps) / max(1, total_steps - warmup_steps))
//                      lr = eta_min + (base_lr - eta_min) * 0.5 * (1 + cos(pi * p))
// and eta_min after total_steps. warmup_steps = 0 is plain cosine decay. The config schedules
// `cosine` and `warmup_cosine` (nabla/recipe/schedules.cpp) step it once per iteration.
struct WarmupCosineOptions {
  int64_t total_steps = 0;  // required, >= 1: the steps the decay spans (warm-up included)
  double warmup_steps = 0;  // may be fractional (warmup_epochs * steps_per_epoch)
  double eta_min = 0;
};
class WarmupCosineLR : public LrScheduler {
 public:
  WarmupCosineLR(Optimizer& optimizer, WarmupCosineOptions options);

 protected:
  std::vector<double> compute_lr() const override;
  WarmupCosineOptions options_;
};

// Steps several schedules on one optimizer together, each scaling the lr the previous left
// (PyTorch's ChainedScheduler), e.g. LinearLR warm-up times CosineAnnealingLR decay. Does not own
// the schedules; they must outlive it. state_dict keys: "<i>.<key of schedule i>".
class ChainedScheduler {
 public:
  explicit ChainedScheduler(std::vector<LrScheduler*> schedulers);
  void step();
  const std::vector<double>& last_lr() const;
  StateDict state_dict() const;
  void load_state_dict(const StateDict& dict);

 private:
  std::vector<LrScheduler*> schedulers_;
};

enum class PlateauMode { Min, Max };
enum class ThresholdMode { Rel, Abs };

struct PlateauOptions {
  PlateauMode mode = PlateauMode::Min;
  double factor = 0.1;      // new_lr = max(lr * factor, min_lr), factor < 1
  int64_t patience = 10;    // epochs without improvement tolerated before reducing
  double threshold = 1e-4;  // what counts as an improvement
  ThresholdMode threshold_mode = ThresholdMode::Rel;
  int64_t cooldown = 0;  // epochs to wait after a reduction
  double min_lr = 0;
  double eps = 1e-8;  // reductions smaller than this are skipped
};

// Reduces the learning rate when a metric stopped improving (PyTorch's ReduceLROnPlateau).
class ReduceLROnPlateau {
 public:
  ReduceLROnPlateau(Optimizer& optimizer, PlateauOptions options = {});
  ReduceLROnPlateau(const ReduceLROnPlateau&) = delete;
  ReduceLROnPlateau& operator=(const ReduceLROnPlateau&) = delete;

  void step(double metric);
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& last_lr() const { return last_lr_; }
  double best() const { return best_; }
  int64_t num_bad_epochs() const { return num_bad_epochs_; }
  bool in_cooldown() const { return cooldown_counter_ > 0; }

  StateDict state_dict() const;
  void load_state_dict(const StateDict& dict);

 private:
  bool is_better(double a) const;

  Optimizer& optimizer_;
  PlateauOptions options_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
  int64_t last_epoch_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace nabla::optim
