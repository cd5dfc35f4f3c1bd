// Learning-rate schedules against PyTorch 1.13 (scripts/fixtures/make_optim_fixtures.py,
// schedules()): the lr after construction and after each of 60 steps; WarmupCosineLR against
// the config closure it replaced.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "nabla/optim/optim.hpp"
#include "tests/support/fixtures.hpp"

namespace nabla::optim {
namespace {

const io::TensorMap& fixture() {
  static const io::TensorMap f = test::load_fixture("optim_schedules");
  return f;
}

struct Probe {
  Tensor p = Tensor::zeros({1}, DType::Float32).set_requires_grad(true);
  SGD opt{{p}, {.lr = 0.5}};
};

// lr after construction, then after each step (metric-driven when `metrics` is given).
template <class Step>
void expect_sequence(Optimizer& opt, const std::string& key, Step&& step) {
  const auto want = test::fixture_get(fixture(), key).to_vector<double>();
  ASSERT_EQ(want.size(), 61u);
  EXPECT_NEAR(opt.lr(), want[0], 1e-12 * want[0]) << key << " after construction";
  for (size_t i = 1; i < want.size(); ++i) {
    step(i - 1);
    ASSERT_NEAR(opt.lr(), want[i], 1e-10 * std::abs(want[i])) << key << " after step " << i;
  }
}

TEST(Schedule, StepLR) {
  Probe pr;
  StepLR s(pr.opt, {.step_size = 4, .gamma = 0.8});
  expect_sequence(pr.opt, "step", [&](size_t) { s.step(); });
  EXPECT_EQ(s.last_epoch(), 60);
  EXPECT_EQ(s.last_lr()[0], pr.opt.lr());
  EXPECT_EQ(s.base_lrs()[0], 0.5);
}

TEST(Schedule, CosineAnnealingWithRestarts) {
  Probe pr;
  CosineAnnealingLR s(pr.opt, {.t_max = 12, .eta_min = 0.01});
  expect_sequence(pr.opt, "cosine", [&](size_t) { s.step(); });
}

TEST(Schedule, LinearWarmup) {
  Probe pr;
  LinearLR s(pr.opt, {.start_factor = 0.25, .end_factor = 0.9, .total_iters = 8});
  expect_sequence(pr.opt, "linear", [&](size_t) { s.step(); });
}

TEST(Schedule, ExponentialLR) {
  Probe pr;
  ExponentialLR s(pr.opt, {.gamma = 0.93});
  expect_sequence(pr.opt, "exponential", [&](size_t) { s.step(); });
}

TEST(Schedule, LambdaLR) {
  Probe pr;
  LambdaLR s(pr.opt, [](int64_t e) { return 1.0 / (1.0 + 0.1 * static_cast<double>(e)); });
  expect_sequence(pr.opt, "lambda", [&](size_t) { s.step(); });
}

// WarmupCosineLR has no PyTorch twin: it is the closed form the config schedules cosine and
// warmup_cosine used as closures before the trainer took LrScheduler objects. That closure,
// copied here, must give the very same doubles at every step (so configured runs keep their
// exact rates), including a fractional warm-up and the steps past the end.
TEST(Schedule, WarmupCosineIsTheConfigClosedFormBitForBit) {
  for (const double warmup_epochs : {0.0, 0.5, 1.0, 3.0}) {
    const double base_lr = 2e-3, min_lr = 1e-5;
    const int64_t epochs = 4, spe = 7;
    auto closure = [=](int64_t step) {
      const double total = static_cast<double>(std::max<int64_t>(1, epochs * spe));
      const double warm = warmup_epochs * static_cast<double>(spe);
      const double t = static_cast<double>(step);
      if (t < warm) return base_lr * (t + 1) / warm;
      const double progress = std::min(1.0, (t - warm) / std::max(1.0, total - warm));
      return min_lr + (base_lr - min_lr) * 0.5 * (1 + std::cos(M_PI * progress));
    };
    Tensor p = Tensor::zeros({1}, DType::Float32).set_requires_grad(true);
    Adam opt({p}, {.lr = base_lr});
    WarmupCosineLR s(opt, {.total_steps = epochs * spe,
                           .warmup_steps = warmup_epochs * static_cast<double>(spe),
                           .eta_min = min_lr});
    for (int64_t t = 0; t < epochs * spe + 5; ++t) {
      ASSERT_EQ(opt.lr(), closure(t)) << "warmup_epochs " << warmup_epochs << " step " << t;
      s.step();
    }
    EXPECT_EQ(opt.lr(), min_lr);
  }
}

// Warm-up then cosine decay: two schedules on one optimizer, stepped together. The second
// schedule starts from the optimizer's initial lr, not from the warm-up's first value.
TEST(Schedule, ChainedWarmupCosine) {
  Probe pr;
  LinearLR warmup(pr.opt, {.start_factor = 0.2, .total_iters = 5});
  CosineAnnealingLR cosine(pr.opt, {.t_max = 20, .eta_min = 0.01});
  EXPECT_EQ(cosine.base_lrs()[0], 0.5);
  ChainedScheduler chain({&warmup, &cosine});
  expect_sequence(pr.opt, "chained", [&](size_t) { chain.step(); });
  EXPECT_EQ(chain.last_lr()[0], pr.opt.lr());

  // state round trip, and a bad dict changes nothing
  StateDict d = chain.state_dict();
  EXPECT_EQ(d.at("0.last_epoch").item(), 60);
  EXPECT_EQ(d.at("1.base_lrs").item(), 0.5);
  Probe other;
  LinearLR w2(other.opt, {.start_factor = 0.2, .total_iters = 5});
  CosineAnnealingLR c2(other.opt, {.t_max = 20, .eta_min = 0.01});
  ChainedScheduler chain2({&w2, &c2});
  StateDict bad = d;
  bad.erase("1.last_lr");
  EXPECT_THROW(chain2.load_state_dict(bad), Error);
  EXPECT_EQ(w2.last_epoch(), 0);
  bad = d;
  bad["2.last_epoch"] = d.at("0.last_epoch");
  EXPECT_THROW(chain2.load_state_dict(bad), Error);
  chain2.load_state_dict(d);
  EXPECT_EQ(w2.last_epoch(), 60);
  EXPECT_EQ(c2.last_epoch(), 60);
  EXPECT_THROW(ChainedScheduler({}), Error);
}

TEST(Schedule, PlateauMinRelWithCooldownAndMinLr) {
  Probe pr;
  const auto metric = test::fixture_get(fixture(), "metric_falling").to_vector<double>();
  ReduceLROnPlateau s(
      pr.opt, {.factor = 0.5, .patience = 3, .threshold = 0.02, .cooldown = 2, .min_lr = 0.01});
  expect_sequence(pr.opt, "plateau_min_rel", [&](size_t i) { s.step(metric[i]); });
}

TEST(Schedule, PlateauMaxAbs) {
  Probe pr;
  const auto metric = test::fixture_get(fixture(), "metric_rising").to_vector<double>();
  ReduceLROnPlateau s(pr.opt, {.mode = PlateauMode::Max,
                               .factor = 0.3,
                               .patience = 2,
                               .threshold = 0.05,
                               .threshold_mode = ThresholdMode::Abs});
  expect_sequence(pr.opt, "plateau_max_abs", [&](size_t i) { s.step(metric[i]); });
}

// Schedules scale each group from its own base lr.
TEST(Schedule, PerGroupBaseLrs) {
  Tensor a = Tensor::zeros({1}, DType::Float64).set_requires_grad(true);
  Tensor b = Tensor::zeros({1}, DType::Float64).set_requires_grad(true);
  Adam opt({a}, {.lr = 0.1});
  opt.add_param_group({b}, {.lr = 0.02});
  StepLR s(opt, {.step_size = 1, .gamma = 0.5});
  s.step();
  s.step();
  EXPECT_NEAR(opt.lr(0), 0.025, 1e-15);
  EXPECT_NEAR(opt.lr(1), 0.005, 1e-15);
}

TEST(Schedule, BadOptionsThrow) {
  Probe pr;
  EXPECT_THROW(StepLR(pr.opt, {}), Error);  // step_size required
  EXPECT_THROW(CosineAnnealingLR(pr.opt, {.t_max = 0}), Error);
  EXPECT_THROW(LinearLR(pr.opt, {.start_factor = 0}), Error);
  EXPECT_THROW(LinearLR(pr.opt, {.start_factor = 1.5}), Error);
  EXPECT_THROW(LinearLR(pr.opt, {.end_factor = -0.1}), Error);
  EXPECT_THROW(LinearLR(pr.opt, {.total_iters = 0}), Error);
  EXPECT_THROW(ReduceLROnPlateau(pr.opt, {.factor = 1.0}), Error);
  EXPECT_THROW(ReduceLROnPlateau(pr.opt, {.patience = -1}), Error);
  EXPECT_THROW(ReduceLROnPlateau(pr.opt, {.min_lr = -1}), Error);
  EXPECT_THROW(ExponentialLR(pr.opt, {}), Error);  // gamma required
  EXPECT_THROW(LambdaLR(pr.opt, {}), Error);
  EXPECT_THROW(WarmupCosineLR(pr.opt, {}), Error);  // total_steps required
  EXPECT_THROW(WarmupCosineLR(pr.opt, {.total_steps = 5, .warmup_steps = -1}), Error);
  EXPECT_EQ(pr.opt.lr(), 0.5);  // a rejected schedule changed nothing
}

}  // namespace
}  // namespace nabla::optim
