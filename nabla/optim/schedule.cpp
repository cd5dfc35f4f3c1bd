#include "nabla/optim/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

namespace nabla::optim {

namespace {

Tensor scalar_f64(double v) { return Tensor::from_vector(std::vector<double>{v}, Shape{1}); }

const Tensor& entry(const StateDict& d, const std::string& key, int64_t numel, const char* op) {
  auto it = d.find(key);
  NABLA_CHECK(it != d.end(), op, "missing entry '", key, "' in the state dict");
  NABLA_CHECK(it->second.defined() && it->second.numel() == numel, op, "entry '", key,
              "' must hold ", numel, " value(s), got shape ",
              it->second.defined() ? shape_str(it->second.shape()) : "undefined");
  return it->second;
}

void check_keys(const StateDict& d, std::initializer_list<const char*> known, const char* op) {
  for (const auto& [key, t] : d)
    NABLA_CHECK(std::find_if(known.begin(), known.end(), [&](const char* k) { return key == k; }) !=
                    known.end(),
                op, "unexpected entry '", key, "' in the state dict");
}

}  // namespace

// ---- LrScheduler ----

LrScheduler::LrScheduler(Optimizer& optimizer, const char* name)
    : optimizer_(optimizer), name_(name) {
  // As PyTorch: the first schedule records each group's lr as initial_lr, and every schedule
  // scales from it (so a second schedule is not based on the first one's epoch-0 lr).
  for (size_t g = 0; g < optimizer_.num_param_groups(); ++g) {
    if (!optimizer_.has_initial_lr(g)) optimizer_.set_initial_lr(g, optimizer_.lr(g));
    base_lrs_.push_back(optimizer_.initial_lr(g));
  }
}

std::vector<double> LrScheduler::current_lrs() const {
  std::vector<double> lrs;
  for (size_t g = 0; g < optimizer_.num_param_groups(); ++g) lrs.push_back(optimizer_.lr(g));
  return lrs;
}

void LrScheduler::step() {
  ++last_epoch_;
  const std::vector<double> lrs = compute_lr();
  for (size_t g = 0; g < lrs.size(); ++g) optimizer_.set_lr(g, lrs[g]);
  last_lr_ = current_lrs();
}

StateDict LrScheduler::state_dict() const {
  return {
      {"last_epoch", scalar_f64(static_cast<double>(last_epoch_))},
      {"base_lrs", Tensor::from_vector(base_lrs_, Shape{static_cast<int64_t>(base_lrs_.size())})},
      {"last_lr", Tensor::from_vector(last_lr_, Shape{static_cast<int64_t>(last_lr_.size())})}};
}

void LrScheduler::load_state_dict(const StateDict& dict) {
  const int64_t groups = static_cast<int64_t>(optimizer_.num_param_groups());
  check_keys(dict, {"last_epoch", "base_lrs", "last_lr"}, name_);
  const double epoch = entry(dict, "last_epoch", 1, name_).item();
  auto base = entry(dict, "base_lrs", groups, name_).to_vector<double>();
  auto last = entry(dict, "last_lr", groups, name_).to_vector<double>();
  last_epoch_ = static_cast<int64_t>(epoch);
  base_lrs_ = std::move(base);
  last_lr_ = std::move(last);
}

// ---- StepLR ----

StepLR::StepLR(Optimizer& optimizer, StepLrOptions options)
    : LrScheduler(optimizer, "StepLR"), options_(options) {
  NABLA_CHECK(options.step_size >= 1, name_,
              "step_size must be >= 1, e.g. StepLR(opt, {.step_size = 10}); got ",
              options.step_size);
  initial_step();
}

std::vector<double> StepLR::compute_lr() const {
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0 || last_epoch_ % options_.step_size != 0) return lrs;
  for (double& lr : lrs) lr *= options_.gamma;
  return lrs;
}

// ---- CosineAnnealingLR ----

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, CosineAnnealingOptions options)
    : LrScheduler(optimizer, "CosineAnnealingLR"), options_(options) {
  NABLA_CHECK(options.t_max >= 1, name_,
              "t_max must be >= 1, e.g. CosineAnnealingLR(opt, {.t_max = 50}); got ",
              options.t_max);
  initial_step();
}

std::vector<double> CosineAnnealingLR::compute_lr() const {
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0) return lrs;
  const double pi = std::numbers::pi, t_max = static_cast<double>(options_.t_max);
  const double eta_min = options_.eta_min, e = static_cast<double>(last_epoch_);
  if ((last_epoch_ - 1 - options_.t_max) % (2 * options_.t_max) == 0) {
    // The restart step of the recursion (the ratio below would divide by zero).
    for (size_t g = 0; g < lrs.size(); ++g)
      lrs[g] = lrs[g] + (base_lrs_[g] - eta_min) * (1 - std::cos(pi / t_max)) / 2;
    return lrs;
  }
  for (double& lr : lrs)
    lr = (1 + std::cos(pi * e / t_max)) / (1 + std::cos(pi * (e - 1) / t_max)) * (lr - eta_min) +
         eta_min;
  return lrs;
}

// ---- LinearLR ----

LinearLR::LinearLR(Optimizer& optimizer, LinearLrOptions options)
    : LrScheduler(optimizer, "LinearLR"), options_(options) {
  NABLA_CHECK(options.start_factor > 0 && options.start_factor <= 1, name_,
              "start_factor must be in (0, 1], got ", options.start_factor);
  NABLA_CHECK(options.end_factor >= 0 && options.end_factor <= 1, name_,
              "end_factor must be in [0, 1], got ", options.end_factor);
  NABLA_CHECK(options.total_iters >= 1, name_, "total_iters must be >= 1, got ",
              options.total_iters);
  initial_step();
}

std::vector<double> LinearLR::compute_lr() const {
  std::vector<double> lrs = current_lrs();
  const double s = options_.start_factor, e = options_.end_factor;
  if (last_epoch_ == 0) {
    for (double& lr : lrs) lr *= s;
    return lrs;
  }
  if (last_epoch_ > options_.total_iters) return lrs;
  const double ratio = 1. + (e - s) / (static_cast<double>(options_.total_iters) * s +
                                       static_cast<double>(last_epoch_ - 1) * (e - s));
  for (double& lr : lrs) lr *= ratio;
  return lrs;
}

// ---- ExponentialLR ----

ExponentialLR::ExponentialLR(Optimizer& optimizer, ExponentialLrOptions options)
    : LrScheduler(optimizer, "ExponentialLR"), options_(options) {
  NABLA_CHECK(options.gamma > 0, name_,
              "gamma must be > 0, e.g. ExponentialLR(opt, {.gamma = 0.95}); got ", options.gamma);
  initial_step();
}

std::vector<double> ExponentialLR::compute_lr() const {
  std::vector<double> lrs = current_lrs();
  if (last_epoch_ == 0) return lrs;
  for (double& lr : lrs) lr *= options_.gamma;
  return lrs;
}

// ---- LambdaLR ----

LambdaLR::LambdaLR(Optimizer& optimizer, std::function<double(int64_t)> lambda)
    : LrScheduler(optimizer, "LambdaLR"), lambda_(std::move(lambda)) {
  NABLA_CHECK(static_cast<bool>(lambda_), name_,
              "needs a function of the step count, got an empty std::function");
  initial_step();
}

std::vector<double> LambdaLR::compute_lr() const {
  std::vector<double> lrs;
  for (double base : base_lrs_) lrs.push_back(base * lambda_(last_epoch_));
  return lrs;
}

// ---- WarmupCosineLR ----

WarmupCosineLR::WarmupCosineLR(Optimizer& optimizer, WarmupCosineOptions options)
    : LrScheduler(optimizer, "WarmupCosineLR"), options_(options) {
  NABLA_CHECK(options.total_steps >= 1, name_,
              "total_steps must be >= 1 (the steps the decay spans), got ", options.total_steps);
  NABLA_CHECK(options.warmup_steps >= 0, name_, "warmup_steps must be >= 0, got ",
              options.warmup_steps);
  initial_step();
}

// The expression is the one nabla/recipe/schedules.cpp had as a closure, operation for operation,
// so runs configured with `cosine` or `warmup_cosine` keep their exact rates.
std::vector<double> WarmupCosineLR::compute_lr() const {
  const double total = static_cast<double>(options_.total_steps);
  const double warm = options_.warmup_steps, min_lr = options_.eta_min;
  const double t = static_cast<double>(last_epoch_);
  std::vector<double> lrs;
  for (double base_lr : base_lrs_) {
    if (t < warm) {
      lrs.push_back(base_lr * (t + 1) / warm);
      continue;
    }
    const double progress = std::min(1.0, (t - warm) / std::max(1.0, total - warm));
    lrs.push_back(min_lr + (base_lr - min_lr) * 0.5 * (1 + std::cos(std::numbers::pi * progress)));
  }
  return lrs;
}

// ---- ChainedScheduler ----

ChainedScheduler::ChainedScheduler(std::vector<LrScheduler*> schedulers)
    : schedulers_(std::move(schedulers)) {
  NABLA_CHECK(!schedulers_.empty(), "ChainedScheduler", "needs at least one schedule");
  for (size_t i = 0; i < schedulers_.size(); ++i)
    NABLA_CHECK(schedulers_[i] != nullptr, "ChainedScheduler", "schedule ", i, " is null");
}

void ChainedScheduler::step() {
  for (LrScheduler* s : schedulers_) s->step();
}

const std::vector<double>& ChainedScheduler::last_lr() const {
  return schedulers_.back()->last_lr();
}

StateDict ChainedScheduler::state_dict() const {
  StateDict out;
  for (size_t i = 0; i < schedulers_.size(); ++i)
    for (const auto& [k, v] : schedulers_[i]->state_dict()) out[std::to_string(i) + "." + k] = v;
  return out;
}

void ChainedScheduler::load_state_dict(const StateDict& dict) {
  std::vector<StateDict> parts(schedulers_.size());
  for (const auto& [k, v] : dict) {
    const auto dot = k.find('.');
    size_t i = schedulers_.size();
    if (dot != std::string::npos && dot > 0 && k.find_first_not_of("0123456789") == dot)
      i = std::stoul(k.substr(0, dot));
    NABLA_CHECK(i < schedulers_.size(), "ChainedScheduler", "unexpected entry '", k,
                "' in the state dict (", schedulers_.size(), " schedules)");
    parts[i][k.substr(dot + 1)] = v;
  }
  // Validate every part before changing any schedule.
  std::vector<StateDict> old;
  for (LrScheduler* s : schedulers_) old.push_back(s->state_dict());
  try {
    for (size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->load_state_dict(parts[i]);
  } catch (const Error&) {
    for (size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->load_state_dict(old[i]);
    throw;
  }
}

// ---- ReduceLROnPlateau ----

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, PlateauOptions options)
    : optimizer_(optimizer), options_(options) {
  const char* op = "ReduceLROnPlateau";
  NABLA_CHECK(options.factor < 1 && options.factor >= 0, op, "factor must be in [0, 1), got ",
              options.factor);
  NABLA_CHECK(options.patience >= 0, op, "patience must be >= 0, got ", options.patience);
  NABLA_CHECK(options.cooldown >= 0, op, "cooldown must be >= 0, got ", options.cooldown);
  NABLA_CHECK(options.min_lr >= 0, op, "min_lr must be >= 0, got ", options.min_lr);
  NABLA_CHECK(options.threshold >= 0, op, "threshold must be >= 0, got ", options.threshold);
  const double inf = std::numeric_limits<double>::infinity();
  best_ = options.mode == PlateauMode::Min ? inf : -inf;
  for (size_t g = 0; g < optimizer_.num_param_groups(); ++g) last_lr_.push_back(optimizer_.lr(g));
}

bool ReduceLROnPlateau::is_better(double a) const {
  const double t = options_.threshold;
  const bool rel = options_.threshold_mode == ThresholdMode::Rel;
  if (options_.mode == PlateauMode::Min) return rel ? a < best_ * (1 - t) : a < best_ - t;
  return rel ? a > best_ * (t + 1) : a > best_ + t;
}

void ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (in_cooldown()) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;  // bad epochs during cooldown do not count
  }
  if (num_bad_epochs_ > options_.patience) {
    for (size_t g = 0; g < optimizer_.num_param_groups(); ++g) {
      const double old_lr = optimizer_.lr(g);
      const double new_lr = std::max(old_lr * options_.factor, options_.min_lr);
      if (old_lr - new_lr > options_.eps) optimizer_.set_lr(g, new_lr);
    }
    cooldown_counter_ = options_.cooldown;
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (size_t g = 0; g < optimizer_.num_param_groups(); ++g) last_lr_.push_back(optimizer_.lr(g));
}

StateDict ReduceLROnPlateau::state_dict() const {
  return {{"last_epoch", scalar_f64(static_cast<double>(last_epoch_))},
          {"best", scalar_f64(best_)},
          {"num_bad_epochs", scalar_f64(static_cast<double>(num_bad_epochs_))},
          {"cooldown_counter", scalar_f64(static_cast<double>(cooldown_counter_))},
          {"last_lr", Tensor::from_vector(last_lr_, Shape{static_cast<int64_t>(last_lr_.size())})}};
}

void ReduceLROnPlateau::load_state_dict(const StateDict& dict) {
  const char* op = "ReduceLROnPlateau";
  check_keys(dict, {"last_epoch", "best", "num_bad_epochs", "cooldown_counter", "last_lr"}, op);
  const double epoch = entry(dict, "last_epoch", 1, op).item();
  const double best = entry(dict, "best", 1, op).item();
  const double bad = entry(dict, "num_bad_epochs", 1, op).item();
  const double cool = entry(dict, "cooldown_counter", 1, op).item();
  auto last = entry(dict, "last_lr", static_cast<int64_t>(optimizer_.num_param_groups()), op)
                  .to_vector<double>();
  last_epoch_ = static_cast<int64_t>(epoch);
  best_ = best;
  num_bad_epochs_ = static_cast<int64_t>(bad);
  cooldown_counter_ = static_cast<int64_t>(cool);
  last_lr_ = std::move(last);
}

}  // namespace nabla::optim
