#include "nabla/train/callbacks.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <sstream>

#include "nabla/io/atomic_file.hpp"
#include "nabla/train/checkpoint.hpp"

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

// ---------------------------------------------------------------- progress
void ProgressCallback::on_epoch_begin(TrainerState& s) {
  epoch_begin_ = now_seconds();
  last_draw_ = mode_ == ProgressMode::Lines ? epoch_begin_ : 0;
  first_step_ = s.step_in_epoch;
}

// A bar redraws 10 times a second; plain lines (logs, pipes) report every 30 s, so a long
// epoch still shows signs of life.
void ProgressCallback::on_step_end(TrainerState& s) {
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
  const double ips = elapsed > 0 ? static_cast<double>(s.images_in_epoch) / elapsed : 0;
  out_ << (mode_ == ProgressMode::Bar ? "\r\033[K" : "  ") << "epoch " << s.epoch + 1 << "/"
       << s.options->epochs << " [" << bar << "] " << s.step_in_epoch << "/" << s.steps_per_epoch
       << " loss " << fmt("%.4f", loss) << " acc " << fmt("%.4f", acc) << " " << fmt("%.0f", ips)
       << " img/s ETA " << clock_str(eta);
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

// ---------------------------------------------------------------- metrics.csv
std::string metrics_csv_header() {
  return "epoch,train_loss,train_acc,val_loss,val_acc,gap,lr,seconds,eval_seconds,images_per_s";
}

std::string metrics_csv_row(const EpochMetrics& m) {
  std::ostringstream os;
  os << m.epoch;
  for (double v : {m.train_loss, m.train_acc, m.val_loss, m.val_acc, m.gap(), m.lr, m.seconds,
                   m.eval_seconds, m.images_per_s})
    os << "," << fmt("%.9g", v);
  return os.str();
}

std::vector<EpochMetrics> read_metrics_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError(path + ": cannot open metrics file");
  std::string line;
  std::getline(in, line);
  if (line != metrics_csv_header())
    throw IoError(path + ": not a nabla metrics.csv (unexpected header)");
  std::vector<EpochMetrics> out;
  int lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    std::vector<double> v;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) {
      char* end = nullptr;
      v.push_back(std::strtod(cell.c_str(), &end));
      if (end == cell.c_str())
        throw IoError(path + ":" + std::to_string(lineno) + ": bad number '" + cell + "'");
    }
    if (v.size() != 10)
      throw IoError(path + ":" + std::to_string(lineno) + ": expected 10 columns");
    EpochMetrics m;
    m.epoch = static_cast<int64_t>(v[0]);
    m.train_loss = v[1];
    m.train_acc = v[2];
    m.val_loss = v[3];
    m.val_acc = v[4];
    m.lr = v[6];
    m.seconds = v[7];
    m.eval_seconds = v[8];
    m.images_per_s = v[9];
    out.push_back(m);
  }
  return out;
}

namespace {
// The whole file through io::AtomicFile: a reader never sees half a row, and a full disk leaves
// the previous version (one epoch shorter) instead of a torn one. Rows are few (one per epoch).
void write_metrics(const std::string& path, const std::vector<EpochMetrics>& epochs) {
  std::string text = metrics_csv_header() + "\n";
  for (const auto& m : epochs) text += metrics_csv_row(m) + "\n";
  io::write_file_atomic(path, text);
}
}  // namespace

// Rewritten from the history at the start, so a resumed run's file matches its checkpoint.
void MetricsCsvCallback::on_train_begin(TrainerState& s) {
  write_metrics(path_, s.history->epochs);
}

void MetricsCsvCallback::on_epoch_end(TrainerState& s, EpochMetrics&) {
  write_metrics(path_, s.history->epochs);
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
