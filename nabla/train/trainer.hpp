// Trainer: the training loop of the notes (section 4/5/7) with the callbacks a long run needs.
//
//   train::Trainer trainer({.epochs = 5, .batch_size = 64});
//   auto history = trainer.fit(net, opt, nn::CrossEntropyLoss{}, data.train, data.test);
//
// One epoch = one pass of a DataLoader over the training set (shuffled by (seed, epoch) alone,
// so resuming replays the same batches); after it the validation set is evaluated in eval mode
// and the callbacks see the epoch's metrics. With `run_dir` set the trainer also writes
// metrics.csv, checkpoint.safetensors (every epoch, atomically) and, with a validation set,
// best.safetensors; `resume = true` continues from the checkpoint so that 1 epoch + resume +
// 1 epoch gives bit-identical weights to 2 epochs straight (same seed and thread count).
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

namespace nabla::train {

// loss(output, target) -> scalar tensor. nn loss modules and plain lambdas both fit.
using LossFn = std::function<Tensor(const Tensor& output, const Tensor& target)>;
// Learning rate for a global step (0-based) given the steps per epoch; empty = keep the
// optimizer's lr. Stateless, so a resumed run computes the same rates.
using LrSchedule = std::function<double(int64_t step, int64_t steps_per_epoch)>;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The numbers of one epoch (1-based). val_* are NaN without a validation set.
struct EpochMetrics {
  int64_t epoch = 0;
  double train_loss = kNaN;  // mean over the epoch's training batches (train mode, augmented)
  double train_acc = kNaN;   // running accuracy over the same batches (NaN for non-class targets)
  double val_loss = kNaN;
  double val_acc = kNaN;
  double lr = kNaN;    // the rate of the epoch's last step
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
  int64_t batch_size = 64;  // 0 = full batch
  bool shuffle = true;
  bool drop_last = false;
  uint64_t seed = 0;           // loader order and augmentation; weight noise
  bool pytorch_order = false;  // shuffle with PyTorch's randperm stream (DataLoaderOptions)
  int prefetch = 2;            // batches prepared ahead on a worker thread
  int64_t eval_batch_size = 1000;
  data::Transform transform = {};  // training-time augmentation (empty: none)
  LrSchedule lr_schedule = {};
  double weight_noise = 0;    // std of Gaussian noise on every weight during forward/backward
  double grad_clip_norm = 0;  // clip the global gradient L2 norm (0 = off)
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
  double loss_sum = 0;  // sum of per-batch loss x batch size in this epoch
  int64_t correct = 0;  // correct training predictions in this epoch
  double last_loss = kNaN;
  double epoch_start_time = 0;  // steady clock seconds (see now_seconds())
  bool stop = false;            // a callback asks the trainer to stop after this epoch
};

class Callback {
 public:
  virtual ~Callback() = default;
  virtual void on_train_begin(TrainerState&) {}
  virtual void on_epoch_begin(TrainerState&) {}
  virtual void on_step_end(TrainerState&) {}
  virtual void on_epoch_end(TrainerState&, EpochMetrics&) {}
  virtual void on_train_end(TrainerState&) {}
};

class Trainer {
 public:
  explicit Trainer(TrainerOptions options = {});

  // Adds a callback after the built-in ones (progress, early stopping, metrics log).
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

// The DataLoader options fit() trains with (its order, batches, prefetch), so tools that need
// the same sample order (examples/trainer_parity.cpp) build it the same way.
data::DataLoaderOptions loader_options(const TrainerOptions& options);

// Steady-clock seconds, for timings.
double now_seconds();

}  // namespace nabla::train
