// The trainer's built-in callbacks: the learning-rate schedule, weight noise, gradient clipping,
// progress output, the per-epoch metrics log and early stopping. Trainer::fit installs them from
// TrainerOptions, in that order; they are public so a custom loop or test can use them alone.
#pragma once
#include <iosfwd>
#include <string>
#include <vector>

#include "nabla/core/random.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/train/trainer.hpp"

namespace nabla::train {

// Builds the scheduler from the factory at on_train_begin (after a resume's checkpoint loaded)
// and replays it to where the run stands (see Scheduler in trainer.hpp); then steps it after
// every optimizer step (Every::Step) or at every epoch end (Every::Epoch, and plateau with the
// epoch's validation loss). A plateau scheduler needs a validation set: fit() refuses to start
// without one (has_validation).
class LrSchedulerCallback : public Callback {
 public:
  LrSchedulerCallback(SchedulerFactory factory, bool has_validation);
  void on_train_begin(TrainerState& s) override;
  void on_after_step(TrainerState& s) override;
  void on_epoch_end(TrainerState& s, EpochMetrics& m) override;
  const Scheduler& scheduler() const { return scheduler_; }

 private:
  SchedulerFactory factory_;
  bool has_validation_;
  Scheduler scheduler_;
};

// Gaussian noise of standard deviation `std` on every parameter for the step's forward and
// backward only (notes, section 7): the gradient is taken at a perturbed point, the update
// applies to the clean weights. The noise is drawn from `gen`, a stream of its own so it does
// not shift dropout's numbers; the caller owns it because a checkpoint stores its state.
class WeightNoiseCallback : public Callback {
 public:
  WeightNoiseCallback(double std, Generator& gen);
  void on_train_begin(TrainerState& s) override;
  void on_before_forward(TrainerState& s) override;
  void on_after_backward(TrainerState& s) override;

 private:
  double std_;
  Generator& gen_;
  std::vector<Tensor> params_;
  std::vector<Tensor> noise_;  // this step's, removed after backward
};

// Clips the global L2 norm of all gradients to max_norm after backward
// (optim::clip_grad_norm_), so no single step moves the weights too far.
class GradClipCallback : public Callback {
 public:
  explicit GradClipCallback(double max_norm);
  void on_train_begin(TrainerState& s) override;
  void on_after_backward(TrainerState& s) override;

 private:
  double max_norm_;
  std::vector<Tensor> params_;
};

// Bar: one self-overwriting line on a terminal (epoch, step, loss, acc, images/s, ETA),
// refreshed at most 10 times a second, then a summary line per epoch.
// Lines: only the per-epoch summary lines (for logs and pipes).
class ProgressCallback : public Callback {
 public:
  ProgressCallback(ProgressMode mode, std::ostream& out) : mode_(mode), out_(out) {}
  void on_epoch_begin(TrainerState& s) override;
  void on_after_step(TrainerState& s) override;
  void on_epoch_end(TrainerState& s, EpochMetrics& m) override;

 private:
  ProgressMode mode_;
  std::ostream& out_;
  double last_draw_ = 0;
  double epoch_begin_ = 0;
  int64_t first_step_ = 0;  // step_in_epoch at on_epoch_begin (non-zero when resumed mid-epoch)
};

// One summary line for an epoch ("epoch 3/10 train_loss=... val_acc=... 12.3s").
std::string format_epoch_line(const EpochMetrics& m, int64_t epochs);

// metrics.csv:
// epoch,train_loss,train_acc,val_loss,val_acc,gap,lr,seconds,eval_seconds,images_per_s. Rewritten
// whole (atomically) from the history at the start, so a resumed run's file matches its checkpoint,
// and after every epoch.
class MetricsCsvCallback : public Callback {
 public:
  explicit MetricsCsvCallback(std::string path) : path_(std::move(path)) {}
  void on_train_begin(TrainerState& s) override;
  void on_epoch_end(TrainerState& s, EpochMetrics& m) override;

 private:
  std::string path_;
};

// Tracks the best validation loss; after `patience` epochs without an improvement larger than
// min_delta it asks the trainer to stop. The best weights are kept in memory (and in
// best_path when given) and loaded back at the end when restore_best is set.
class EarlyStoppingCallback : public Callback {
 public:
  EarlyStoppingCallback(int64_t patience, double min_delta, bool restore_best,
                        std::string best_path);
  void on_train_begin(TrainerState& s) override;
  void on_epoch_end(TrainerState& s, EpochMetrics& m) override;
  void on_train_end(TrainerState& s) override;

 private:
  int64_t patience_;
  double min_delta_;
  bool restore_best_;
  std::string best_path_;
  nn::StateDict best_;  // deep copies of the best epoch's weights
};

}  // namespace nabla::train
