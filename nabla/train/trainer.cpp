#include "nabla/train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <iostream>
#include <sstream>

#include "nabla/data/loader.hpp"
#include "nabla/train/callbacks.hpp"
#include "nabla/train/checkpoint.hpp"
#include "nabla/train/evaluate.hpp"

namespace nabla::train {

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

Trainer::Trainer(TrainerOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  NABLA_CHECK(o.epochs >= 0, "Trainer", "epochs must be >= 0, got ", o.epochs);
  NABLA_CHECK(o.loader.batch_size >= 0, "Trainer",
              "loader.batch_size must be >= 0 (0 = full batch), got ", o.loader.batch_size);
  NABLA_CHECK(o.eval_batch_size > 0, "Trainer", "eval_batch_size must be positive, got ",
              o.eval_batch_size);
  NABLA_CHECK(o.weight_noise >= 0, "Trainer", "weight_noise must be >= 0, got ", o.weight_noise);
  NABLA_CHECK(o.grad_clip_norm >= 0, "Trainer", "grad_clip_norm must be >= 0, got ",
              o.grad_clip_norm);
  NABLA_CHECK(!o.resume || !o.run_dir.empty(), "Trainer", "resume needs a run_dir to resume from");
}

namespace {

std::string diverged_message(double loss, const TrainerState& st, const std::string& ckpt_path) {
  std::ostringstream os;
  os << "training diverged: loss is " << loss << " at epoch " << st.epoch + 1 << " step "
     << st.step_in_epoch + 1 << " (global step " << st.global_step + 1 << "); ";
  if (!ckpt_path.empty() && file_exists(ckpt_path) && !st.history->epochs.empty()) {
    os << "last good checkpoint: " << ckpt_path << " (after epoch "
       << st.history->epochs.back().epoch << "); lower the learning rate and resume from it";
  } else {
    os << "no checkpoint was written before it; lower the learning rate and start again";
  }
  return os.str();
}

// One fit() call: what it trains, where the loop stands, and fit()'s phases as methods, so each
// reads as the one thing it does.
class FitLoop {
 public:
  FitLoop(const TrainerOptions& o, nn::Module& net, optim::Optimizer& opt, const LossFn& loss,
          const data::TensorDataset& train_data, const data::TensorDataset& val_data);
  History run(const std::vector<std::shared_ptr<Callback>>& extra_callbacks);

 private:
  void resume();
  void install_callbacks(const std::vector<std::shared_ptr<Callback>>& extra);
  bool run_epoch(int64_t e);
  void train_step(const data::Batch& batch);
  void end_epoch(int64_t e, double train_seconds);
  void save(int64_t epochs_done, double elapsed);
  bool stop_requested() const;
  template <class Hook>
  void each(Hook&& hook) {
    for (auto& cb : callbacks_) hook(*cb);
  }

  const TrainerOptions& o_;
  nn::Module& net_;
  optim::Optimizer& opt_;
  const LossFn& loss_;
  const data::TensorDataset& val_;
  std::ostream& log_;
  data::DataLoader loader_;
  // Weight noise has its own stream so it does not shift dropout's random numbers; it lives
  // here, not in WeightNoiseCallback, because every checkpoint stores its state (noise_rng).
  Generator noise_gen_;
  std::string ckpt_path_;
  History history_;
  TrainerState st_;
  LoopState resumed_;  // what the checkpoint said (zeros on a fresh start)
  std::vector<std::shared_ptr<Callback>> callbacks_;
  bool class_targets_ = true;  // every batch so far had class-index targets (accuracy is defined)
};

FitLoop::FitLoop(const TrainerOptions& o, nn::Module& net, optim::Optimizer& opt,
                 const LossFn& loss, const data::TensorDataset& train_data,
                 const data::TensorDataset& val_data)
    : o_(o),
      net_(net),
      opt_(opt),
      loss_(loss),
      val_(val_data),
      log_(o.log != nullptr ? *o.log : std::cerr),
      loader_(train_data, o.loader, o.transform),
      noise_gen_(data::mix_seed(o.loader.seed, 0x6e6f697365ull)),
      ckpt_path_(o.run_dir.empty() ? "" : join_path(o.run_dir, kCheckpointFile)) {
  st_.net = &net;
  st_.opt = &opt;
  st_.options = &o;
  st_.history = &history_;
  st_.steps_per_epoch = loader_.num_batches();
  NABLA_CHECK(st_.steps_per_epoch > 0, "Trainer::fit", "no batches: ", train_data.size(),
              " samples with batch_size ", o.loader.batch_size, " and drop_last");
}

void FitLoop::resume() {
  if (!file_exists(ckpt_path_)) throw IoError(ckpt_path_ + ": no checkpoint to resume from");
  Checkpoint c = load_checkpoint(ckpt_path_, net_, opt_);
  history_ = c.history;
  resumed_ = c.loop;
  history_.resumed_from_epoch = resumed_.epochs_done;
  default_generator().set_state(resumed_.default_rng);
  noise_gen_.set_state(resumed_.noise_rng);
  st_.global_step = resumed_.global_step;
}

// Built-ins first, in the order their hooks must run: the schedule sets the next step's rate,
// noise comes off the weights before clipping looks at the gradients, and callbacks added by
// the user see the state the built-ins leave.
void FitLoop::install_callbacks(const std::vector<std::shared_ptr<Callback>>& extra) {
  const bool has_val = val_.size() > 0;
  if (o_.lr_scheduler)
    callbacks_.push_back(std::make_shared<LrSchedulerCallback>(o_.lr_scheduler, has_val));
  if (o_.weight_noise > 0)
    callbacks_.push_back(std::make_shared<WeightNoiseCallback>(o_.weight_noise, noise_gen_));
  if (o_.grad_clip_norm > 0)
    callbacks_.push_back(std::make_shared<GradClipCallback>(o_.grad_clip_norm));
  if (o_.progress != ProgressMode::None)
    callbacks_.push_back(std::make_shared<ProgressCallback>(o_.progress, log_));
  if (has_val) {
    callbacks_.push_back(std::make_shared<EarlyStoppingCallback>(
        o_.early_stopping_patience, o_.early_stopping_min_delta, o_.restore_best,
        o_.run_dir.empty() ? "" : join_path(o_.run_dir, kBestFile)));
  }
  if (!o_.run_dir.empty())
    callbacks_.push_back(std::make_shared<MetricsCsvCallback>(join_path(o_.run_dir, kMetricsFile)));
  for (const auto& cb : extra) callbacks_.push_back(cb);
}

History FitLoop::run(const std::vector<std::shared_ptr<Callback>>& extra_callbacks) {
  if (o_.resume) resume();
  install_callbacks(extra_callbacks);
  each([&](Callback& cb) { cb.on_train_begin(st_); });
  const int64_t first_epoch = history_.stopped_early ? o_.epochs : resumed_.epochs_done;
  for (int64_t e = first_epoch; e < o_.epochs && !st_.stop; ++e) {
    if (!run_epoch(e)) break;
    if (!ckpt_path_.empty()) save(e + 1, 0);
    if (e + 1 < o_.epochs && !st_.stop && stop_requested()) {
      history_.interrupted = true;
      break;
    }
  }
  each([&](Callback& cb) { cb.on_train_end(st_); });
  return history_;
}

// One pass over the training set (the rest of it when resumed mid-epoch). Returns false when a
// stop request (Ctrl-C, max_steps) cut it short; a checkpoint then holds the position.
bool FitLoop::run_epoch(int64_t e) {
  const bool mid = o_.resume && e == resumed_.epochs_done && resumed_.step_in_epoch > 0;
  st_.epoch = e;
  st_.step_in_epoch = mid ? resumed_.step_in_epoch : 0;
  st_.loss_sum = mid ? resumed_.loss_sum : 0;
  st_.correct = mid ? resumed_.correct : 0;
  st_.images_in_epoch = mid ? resumed_.images : 0;
  const double elapsed_before = mid ? resumed_.elapsed : 0;
  loader_.set_state({o_.loader.seed, e, st_.step_in_epoch});
  net_.train();
  each([&](Callback& cb) { cb.on_epoch_begin(st_); });
  const double t0 = now_seconds();
  st_.epoch_start_time = t0;

  loader_.start_epoch();
  while (auto batch = loader_.next()) {
    train_step(*batch);
    if (st_.step_in_epoch < st_.steps_per_epoch && stop_requested()) {
      // Save where we are so --resume replays the rest of the epoch.
      if (o_.progress == ProgressMode::Bar) log_ << "\n";
      if (!ckpt_path_.empty()) save(e, elapsed_before + (now_seconds() - t0));
      history_.interrupted = true;
      return false;
    }
  }
  end_epoch(e, elapsed_before + (now_seconds() - t0));
  return true;
}

void FitLoop::train_step(const data::Batch& batch) {
  st_.batch = &batch;
  each([&](Callback& cb) { cb.on_before_forward(st_); });
  Tensor out = net_.forward(batch.inputs);
  Tensor l = loss_(out, batch.targets);
  const double lv = l.item();
  if (!std::isfinite(lv)) {
    if (o_.progress == ProgressMode::Bar) log_ << "\n";
    throw DivergedError(diverged_message(lv, st_, ckpt_path_));
  }
  opt_.zero_grad();
  l.backward();
  each([&](Callback& cb) { cb.on_after_backward(st_); });
  st_.lr = opt_.lr();
  opt_.step();

  const int64_t bsz = batch.size();
  st_.last_loss = lv;
  st_.loss_sum += lv * static_cast<double>(bsz);
  class_targets_ = class_targets_ && out.dim() == 2 && batch.targets.dtype() == DType::Int64;
  if (class_targets_) st_.correct += count_correct(out.detach(), batch.targets);
  st_.accuracy_defined = class_targets_;
  st_.images_in_epoch += bsz;
  ++st_.step_in_epoch;
  ++st_.global_step;
  each([&](Callback& cb) { cb.on_after_step(st_); });
  st_.batch = nullptr;
}

void FitLoop::end_epoch(int64_t e, double train_seconds) {
  EpochMetrics m;
  m.epoch = e + 1;
  const double n = static_cast<double>(st_.images_in_epoch);
  m.train_loss = st_.loss_sum / n;
  m.train_acc = class_targets_ ? static_cast<double>(st_.correct) / n : kNaN;
  m.lr = st_.lr;
  m.seconds = train_seconds;
  m.images_per_s = train_seconds > 0 ? n / train_seconds : 0;
  if (val_.size() > 0) {
    const double te = now_seconds();
    EvalResult r = evaluate(net_, val_, loss_, o_.eval_batch_size);
    m.val_loss = r.loss;
    m.val_acc = r.accuracy;
    m.eval_seconds = now_seconds() - te;
  }
  history_.epochs.push_back(m);
  each([&](Callback& cb) { cb.on_epoch_end(st_, history_.epochs.back()); });
}

void FitLoop::save(int64_t epochs_done, double elapsed) {
  Checkpoint c;
  c.history = history_;
  c.config_text = o_.config_text;
  c.loop.epochs_done = epochs_done;
  c.loop.step_in_epoch = epochs_done == st_.epoch ? st_.step_in_epoch : 0;
  c.loop.global_step = st_.global_step;
  if (c.loop.step_in_epoch > 0) {
    c.loop.loss_sum = st_.loss_sum;
    c.loop.correct = st_.correct;
    c.loop.images = st_.images_in_epoch;
    c.loop.elapsed = elapsed;
  }
  c.loop.default_rng = default_generator().state();
  c.loop.noise_rng = noise_gen_.state();
  save_checkpoint(ckpt_path_, net_, opt_, c);
}

bool FitLoop::stop_requested() const {
  return (o_.stop_flag != nullptr && o_.stop_flag->load()) ||
         (o_.max_steps > 0 && st_.global_step >= o_.max_steps);
}

}  // namespace

History Trainer::fit(nn::Module& net, optim::Optimizer& opt, const LossFn& loss,
                     const data::TensorDataset& train_data, const data::TensorDataset& val_data) {
  NABLA_CHECK(static_cast<bool>(loss), "Trainer::fit", "no loss function given");
  NABLA_CHECK(train_data.size() > 0, "Trainer::fit", "the training set is empty");
  // Caught here, not by the first evaluation after a whole epoch of training.
  NABLA_CHECK(val_data.size() == 0 || val_data.sample_shape() == train_data.sample_shape(),
              "Trainer::fit", "validation samples are ", shape_str(val_data.sample_shape()),
              " but training samples are ", shape_str(train_data.sample_shape()),
              "; every split must have the same sample shape");
  FitLoop loop(options_, net, opt, loss, train_data, val_data);
  return loop.run(extra_callbacks_);
}

}  // namespace nabla::train
