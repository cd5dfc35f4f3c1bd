// Trainer: the training loop of the notes (section 4/5/7) with the callbacks a long run needs.
//
//   train::Trainer trainer({.epochs = 5, .loader = {.batch_size = 64}});
//   auto history = trainer.fit(net, opt, nn::CrossEntropyLoss{}, data.train, data.test);
//
// One epoch = one pass of a DataLoader over the training set (shuffled by (seed, epoch) alone,
// so resuming replays the same batches); after it the validation set is evaluated in eval mode
// and the callbacks see the epoch's metrics. One step is
//
//   on_before_forward   (weight noise is added)
//   forward, loss       (a NaN/Inf loss throws DivergedError)
//   zero_grad, backward
//   on_after_backward   (weight noise is removed, gradients clipped)
//   opt.step()
//   on_after_step       (the lr schedule steps, progress is drawn)
//
// and the built-in behaviours (lr schedule, weight noise, gradient clipping, progress, early
// stopping, metrics.csv) are callbacks fit() installs from TrainerOptions, before the ones
// add_callback() adds (callbacks.hpp). With `run_dir` set the trainer also writes metrics.csv,
// checkpoint.safetensors (every epoch, atomically) and, with a validation set, best.safetensors;
// `resume = true` continues from the checkpoint so that 1 epoch + resume + 1 epoch gives
// bit-identical weights to 2 epochs straight (same seed and thread count).
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "nabla/core/error.hpp"
#include "nabla/core/tensor.hpp"
#include "nabla/data/dataset.hpp"
#include "nabla/data/loader.hpp"
#include "nabla/data/transforms.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/optim/optimizer.hpp"
#include "nabla/optim/schedule.hpp"

namespace nabla::train {

// loss(output, target) -> scalar tensor. nn loss modules and plain lambdas both fit.
using LossFn = std::function<Tensor(const Tensor& output, const Tensor& target)>;

// What fit() knows when it builds the learning-rate scheduler (and the config does not).
struct ScheduleContext {
  int64_t steps_per_epoch = 0;
  int64_t epochs = 0;  // TrainerOptions::epochs
};

// A learning-rate scheduler as fit() drives it: an optim::LrScheduler stepped after every
// optimizer step or at every epoch end, or a ReduceLROnPlateau stepped at every epoch end with
// the validation loss. Resume rebuilds it on the fresh optimizer (the optimizer's lr is the base
// rate) and replays it: global_step steps, or one per finished epoch (plateau: with each epoch's
// validation loss from the checkpoint's history), so the rates are exactly those of an
// uninterrupted run and the checkpoint needs no scheduler state.
struct Scheduler {
  enum class Every { Step, Epoch };
  std::unique_ptr<optim::LrScheduler> scheduler;
  Every every = Every::Step;
  std::unique_ptr<optim::ReduceLROnPlateau> plateau;

  static Scheduler per_step(std::unique_ptr<optim::LrScheduler> s) {
    return {std::move(s), Every::Step, nullptr};
  }
  static Scheduler per_epoch(std::unique_ptr<optim::LrScheduler> s) {
    return {std::move(s), Every::Epoch, nullptr};
  }
  static Scheduler on_plateau(std::unique_ptr<optim::ReduceLROnPlateau> p) {
    return {nullptr, Every::Epoch, std::move(p)};
  }
};
// Builds the scheduler on fit()'s optimizer, e.g.
//   o.lr_scheduler = [](optim::Optimizer& opt, const train::ScheduleContext& c) {
//     return train::Scheduler::per_step(std::make_unique<optim::WarmupCosineLR>(
//         opt, optim::WarmupCosineOptions{.total_steps = c.epochs * c.steps_per_epoch}));
//   };
using SchedulerFactory = std::function<Scheduler(optim::Optimizer&, const ScheduleContext&)>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The numbers of one epoch (1-based). val_* are NaN without a validation set.
struct EpochMetrics {
  int64_t epoch = 0;
  double train_loss = kNaN;  // mean over the epoch's training batches (train mode, augmented)
  double train_acc = kNaN;   // running accuracy over the same batches (NaN for non-class targets)
  double val_loss = kNaN;
  double val_acc = kNaN;
  double lr = kNaN;    // the rate the epoch's last step used
  double seconds = 0;  // training loop only (no evaluation)
  double eval_seconds = 0;
  double images_per_s = 0;
  // Generalization gap: validation loss minus training loss (positive = over-fitting sign).
  double gap() const { return val_loss - train_loss; }
};

struct History {
  std::vector<EpochMetrics> epochs;
  int64_t best_epoch = 0;  // by validation loss (0: no validation)
  double best_val_loss = kNaN;
  bool stopped_early = false;       // early stopping fired
  bool restored_best = false;       // the model holds the best epoch's weights
  bool interrupted = false;         // the stop flag was raised; a checkpoint was written
  int64_t resumed_from_epoch = -1;  // epochs done when this fit() resumed (-1: fresh start)
};

// Thrown when the loss becomes NaN or Inf. The message names the step and the last good
// checkpoint, if any.
class DivergedError : public Error {
 public:
  using Error::Error;
};

enum class ProgressMode { None, Lines, Bar };

struct TrainerOptions {
  int64_t epochs = 1;
  // The training loader: batch_size (0 = full batch), shuffle, drop_last, prefetch,
  // pytorch_order and seed. The seed is the run's one seed: loader order, augmentation (per batch)
  // and the weight-noise stream all derive from it.
  data::DataLoaderOptions loader = {};
  int64_t eval_batch_size = 1000;
  data::Transform transform = {};      // training-time augmentation (empty: none)
  SchedulerFactory lr_scheduler = {};  // LrSchedulerCallback; empty: the optimizer's lr throughout
  double weight_noise = 0;             // WeightNoiseCallback: std of Gaussian noise on every weight
  double grad_clip_norm = 0;           // GradClipCallback: max global gradient L2 norm (0 = off)
  int64_t early_stopping_patience = 0;  // epochs without val-loss improvement (0 = off)
  double early_stopping_min_delta = 0;
  bool restore_best = true;      // after early stopping / at the end, load the best epoch's weights
  std::string run_dir = {};      // metrics.csv + checkpoints here (empty = none)
  bool resume = false;           // continue from run_dir/checkpoint.safetensors
  std::string config_text = {};  // stored in checkpoints so a run folder is self-describing
  ProgressMode progress = ProgressMode::None;
  std::ostream* log = nullptr;                   // progress output (null: std::cerr)
  const std::atomic<bool>* stop_flag = nullptr;  // e.g. set by SIGINT: checkpoint and return
  int64_t max_steps = 0;  // stop after this many global steps (0 = no limit; tests)
};

// Everything a callback may look at; `net`/`opt` are the objects being trained.
struct TrainerState {
  nn::Module* net = nullptr;
  optim::Optimizer* opt = nullptr;
  const TrainerOptions* options = nullptr;
  History* history = nullptr;
  int64_t epoch = 0;          // 0-based epoch in progress
  int64_t step_in_epoch = 0;  // steps done in this epoch
  int64_t steps_per_epoch = 0;
  int64_t global_step = 0;  // steps done since the start of training
  int64_t images_in_epoch = 0;
  const data::Batch* batch =
      nullptr;          // the step's batch (between on_before_forward and on_after_step)
  double lr = kNaN;     // the rate opt.step() used in the last step
  double loss_sum = 0;  // sum of per-batch loss x batch size in this epoch
  int64_t correct = 0;  // correct training predictions in this epoch
  // false once a batch had no per-sample class targets (per-pixel masks, regression): then
  // `correct` means nothing and progress shows no accuracy
  bool accuracy_defined = true;
  double last_loss = kNaN;
  double epoch_start_time = 0;  // steady clock seconds (see now_seconds())
  bool stop = false;            // a callback asks the trainer to stop after this epoch
};

// Hooks of fit(), in the order they run. Callbacks run in the order they were installed: the
// built-in ones first, so on_after_backward of an added callback sees clean weights and clipped
// gradients.
class Callback {
 public:
  virtual ~Callback() = default;
  // After a resume's checkpoint was loaded (history, global_step and RNG streams restored).
  virtual void on_train_begin(TrainerState&) {}
  virtual void on_epoch_begin(TrainerState&) {}
  // The batch is loaded; nothing of the step has run.
  virtual void on_before_forward(TrainerState&) {}
  // Gradients are in the parameters' .grad; opt.step() comes next.
  virtual void on_after_backward(TrainerState&) {}
  // The optimizer stepped; step_in_epoch, global_step, last_loss and the epoch sums include it.
  virtual void on_after_step(TrainerState&) {}
  virtual void on_epoch_end(TrainerState&, EpochMetrics&) {}
  virtual void on_train_end(TrainerState&) {}
};

class Trainer {
 public:
  explicit Trainer(TrainerOptions options = {});

  // Adds a callback after the built-in ones (lr schedule, weight noise, gradient clipping,
  // progress, early stopping, metrics log).
  void add_callback(std::shared_ptr<Callback> cb) { extra_callbacks_.push_back(std::move(cb)); }
  const TrainerOptions& options() const { return options_; }

  // Trains `net` on `train_data`; `val_data` may be empty (size 0) for no validation.
  History fit(nn::Module& net, optim::Optimizer& opt, const LossFn& loss,
              const data::TensorDataset& train_data, const data::TensorDataset& val_data);
  History fit(nn::Module& net, optim::Optimizer& opt, const LossFn& loss,
              const data::TensorDataset& train_data) {
    return fit(net, opt, loss, train_data, data::TensorDataset());
  }

 private:
  TrainerOptions options_;
  std::vector<std::shared_ptr<Callback>> extra_callbacks_;
};

// Steady-clock seconds, for timings.
double now_seconds();

}  // namespace nabla::train
