#include "nabla/train/callbacks.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <sstream>

#include "nabla/autograd/node.hpp"
#include "nabla/optim/clip.hpp"
#include "nabla/train/checkpoint.hpp"
#include "nabla/train/metrics_csv.hpp"

namespace nabla::train {

namespace {
std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string clock_str(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const auto s = static_cast<int64_t>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  return buf;
}
}  // namespace

// ---------------------------------------------------------------- lr schedule
LrSchedulerCallback::LrSchedulerCallback(SchedulerFactory factory, bool has_validation)
    : factory_(std::move(factory)), has_validation_(has_validation) {
  NABLA_CHECK(static_cast<bool>(factory_), "LrSchedulerCallback", "no scheduler factory given");
}

void LrSchedulerCallback::on_train_begin(TrainerState& s) {
  scheduler_ = factory_(*s.opt, {s.steps_per_epoch, s.options->epochs});
  Scheduler& sc = scheduler_;
  NABLA_CHECK((sc.scheduler != nullptr) != (sc.plateau != nullptr), "lr schedule",
              "the scheduler factory must return exactly one scheduler (Scheduler::per_step, "
              "per_epoch or on_plateau)");
  NABLA_CHECK(sc.plateau == nullptr || has_validation_, "lr schedule",
              "reduce-on-plateau steps on the validation loss, but this run has no validation set; "
              "give fit() one (configs: data.validation) or choose another schedule");
  // Replay from the base rate to where a resumed run stands: the same calls in the same order
  // as the uninterrupted run made, so even the recursive (PyTorch) schedules match bit for bit.
  const auto& done = s.history->epochs;
  if (sc.plateau) {
    for (const EpochMetrics& m : done) sc.plateau->step(m.val_loss);
  } else if (sc.every == Scheduler::Every::Epoch) {
    for (size_t e = 0; e < done.size(); ++e) sc.scheduler->step();
  } else {
    for (int64_t t = 0; t < s.global_step; ++t) sc.scheduler->step();
  }
}

void LrSchedulerCallback::on_after_step(TrainerState&) {
  if (scheduler_.scheduler && scheduler_.every == Scheduler::Every::Step)
    scheduler_.scheduler->step();
}

void LrSchedulerCallback::on_epoch_end(TrainerState&, EpochMetrics& m) {
  if (scheduler_.plateau) scheduler_.plateau->step(m.val_loss);
  if (scheduler_.scheduler && scheduler_.every == Scheduler::Every::Epoch)
    scheduler_.scheduler->step();
}

// ---------------------------------------------------------------- weight noise, clipping
WeightNoiseCallback::WeightNoiseCallback(double std, Generator& gen) : std_(std), gen_(gen) {
  NABLA_CHECK(std >= 0, "WeightNoiseCallback", "std must be >= 0, got ", std);
}

void WeightNoiseCallback::on_train_begin(TrainerState& s) { params_ = s.net->parameters(); }

void WeightNoiseCallback::on_before_forward(TrainerState&) {
  autograd::NoGradGuard no_grad;
  noise_.clear();
  for (const auto& p : params_) {
    Tensor n = Tensor::randn(p.shape(), p.dtype(), &gen_).mul_(std_);
    Tensor(p).add_(n);
    noise_.push_back(n);
  }
}

void WeightNoiseCallback::on_after_backward(TrainerState&) {
  autograd::NoGradGuard no_grad;
  for (size_t i = 0; i < noise_.size(); ++i) Tensor(params_[i]).add_(noise_[i], -1);
  noise_.clear();
}

GradClipCallback::GradClipCallback(double max_norm) : max_norm_(max_norm) {
  NABLA_CHECK(max_norm > 0, "GradClipCallback", "max_norm must be > 0, got ", max_norm);
}

void GradClipCallback::on_train_begin(TrainerState& s) { params_ = s.net->parameters(); }

void GradClipCallback::on_after_backward(TrainerState&) {
  optim::clip_grad_norm_(params_, max_norm_);
}

// ---------------------------------------------------------------- progress
void ProgressCallback::on_epoch_begin(TrainerState& s) {
  epoch_begin_ = now_seconds();
  last_draw_ = mode_ == ProgressMode::Lines ? epoch_begin_ : 0;
  first_step_ = s.step_in_epoch;
}

// A bar redraws 10 times a second; plain lines (logs, pipes) report every 30 s, so a long
// epoch still shows signs of life.
void ProgressCallback::on_after_step(TrainerState& s) {
  if (mode_ == ProgressMode::None) return;
  const double t = now_seconds();
  const bool last = s.step_in_epoch == s.steps_per_epoch;
  if (mode_ == ProgressMode::Bar && !last && t - last_draw_ < 0.1) return;
  if (mode_ == ProgressMode::Lines && (last || t - last_draw_ < 30.0)) return;
  last_draw_ = t;
  const double elapsed = t - epoch_begin_;
  const int64_t done = s.step_in_epoch - first_step_;
  const double eta =
      done > 0 ? elapsed / done * static_cast<double>(s.steps_per_epoch - s.step_in_epoch) : kNaN;
  constexpr int kWidth = 24;
  const int filled =
      static_cast<int>(kWidth * s.step_in_epoch / std::max<int64_t>(1, s.steps_per_epoch));
  std::string bar(filled, '#');
  bar.resize(kWidth, '.');
  const double loss =
      s.images_in_epoch > 0 ? s.loss_sum / static_cast<double>(s.images_in_epoch) : kNaN;
  const double acc = s.images_in_epoch > 0
                         ? static_cast<double>(s.correct) / static_cast<double>(s.images_in_epoch)
                         : kNaN;
  const std::string acc_part = s.accuracy_defined ? " acc " + fmt("%.4f", acc) : "";
  const double ips = elapsed > 0 ? static_cast<double>(s.images_in_epoch) / elapsed : 0;
  out_ << (mode_ == ProgressMode::Bar ? "\r\033[K" : "  ") << "epoch " << s.epoch + 1 << "/"
       << s.options->epochs << " [" << bar << "] " << s.step_in_epoch << "/" << s.steps_per_epoch
       << " loss " << fmt("%.4f", loss) << acc_part << " " << fmt("%.0f", ips) << " img/s ETA "
       << clock_str(eta);
  if (mode_ == ProgressMode::Lines)
    out_ << std::endl;
  else
    out_ << std::flush;
}

std::string format_epoch_line(const EpochMetrics& m, int64_t epochs) {
  std::ostringstream os;
  os << "epoch " << m.epoch << "/" << epochs << " train_loss=" << fmt("%.4f", m.train_loss)
     << " train_acc=" << fmt("%.4f", m.train_acc);
  if (!std::isnan(m.val_loss)) {
    os << " val_loss=" << fmt("%.4f", m.val_loss) << " val_acc=" << fmt("%.4f", m.val_acc)
       << " gap=" << fmt("%+.4f", m.gap());
  }
  os << " lr=" << fmt("%.3g", m.lr) << " time=" << fmt("%.2f", m.seconds) << "s ("
     << fmt("%.0f", m.images_per_s) << " img/s)";
  return os.str();
}

void ProgressCallback::on_epoch_end(TrainerState& s, EpochMetrics& m) {
  if (mode_ == ProgressMode::None) return;
  if (mode_ == ProgressMode::Bar) out_ << "\r\033[K";
  out_ << format_epoch_line(m, s.options->epochs) << std::endl;
}

// Rewritten from the history at the start, so a resumed run's file matches its checkpoint.
void MetricsCsvCallback::on_train_begin(TrainerState& s) {
  write_metrics_csv(path_, s.history->epochs);
}

void MetricsCsvCallback::on_epoch_end(TrainerState& s, EpochMetrics&) {
  write_metrics_csv(path_, s.history->epochs);
}

// ---------------------------------------------------------------- early stopping
EarlyStoppingCallback::EarlyStoppingCallback(int64_t patience, double min_delta, bool restore_best,
                                             std::string best_path)
    : patience_(patience),
      min_delta_(min_delta),
      restore_best_(restore_best),
      best_path_(std::move(best_path)) {
  NABLA_CHECK(patience >= 0, "EarlyStopping", "patience must be >= 0, got ", patience);
}

void EarlyStoppingCallback::on_train_begin(TrainerState& s) {
  best_.clear();
  // A resumed run gets its best weights back from the run folder.
  if (s.history->best_epoch > 0 && !best_path_.empty() && file_exists(best_path_)) {
    best_ = read_tensors(best_path_);
  }
}

void EarlyStoppingCallback::on_epoch_end(TrainerState& s, EpochMetrics& m) {
  if (std::isnan(m.val_loss)) return;
  History& h = *s.history;
  if (h.best_epoch == 0 || m.val_loss < h.best_val_loss - min_delta_) {
    h.best_epoch = m.epoch;
    h.best_val_loss = m.val_loss;
    best_.clear();
    for (auto& [k, v] : s.net->state_dict()) best_.emplace(k, v.clone_data());
    if (!best_path_.empty())
      io::save_safetensors(best_path_, best_, {{"epoch", std::to_string(m.epoch)}});
  } else if (patience_ > 0 && m.epoch - h.best_epoch >= patience_) {
    h.stopped_early = true;
    s.stop = true;
  }
}

void EarlyStoppingCallback::on_train_end(TrainerState& s) {
  History& h = *s.history;
  if (!restore_best_ || patience_ == 0 || h.interrupted || h.best_epoch == 0 || best_.empty())
    return;
  s.net->load_state_dict(best_, /*strict=*/true);
  h.restored_best = true;
}

}  // namespace nabla::train
