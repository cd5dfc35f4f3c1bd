// Every optimizer and option combination against PyTorch 1.13: the MLP of mlp.hpp trained for
// 50 steps, parameters compared at steps 1, 2, 5, 10, 25, 50 (relative error <= 1e-5), and the
// learning rate after every step where a schedule runs.
// Fixtures: scripts/fixtures/make_optim_fixtures.py (CONFIGS there = kConfigs here).
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "nabla/autograd/node.hpp"
#include "tests/optim/mlp.hpp"

namespace nabla::optim {
namespace {

using test::Mlp;

struct Trained {
  explicit Trained(std::unique_ptr<Optimizer> o) : opt(std::move(o)) {}
  std::unique_ptr<Optimizer> opt;
  std::unique_ptr<LrScheduler> sched;
  std::unique_ptr<ReduceLROnPlateau> plateau;
  std::unique_ptr<LrScheduler> warmup;  // with chain: chain steps warmup and sched
  std::unique_ptr<ChainedScheduler> chain;
};
using Factory = std::function<Trained(const std::vector<Tensor>&)>;

template <class Opt>
Factory one(typename Opt::Options o) {
  return [o](const std::vector<Tensor>& p) { return Trained{std::make_unique<Opt>(p, o)}; };
}

// weights (w1, w2) in group 0, biases (b1, b2) in group 1
template <class Opt>
Trained two(const std::vector<Tensor>& p, typename Opt::Options w, typename Opt::Options b) {
  auto opt = std::make_unique<Opt>(std::vector<Tensor>{p[0], p[2]}, w);
  opt->add_param_group({p[1], p[3]}, b);
  return Trained{std::move(opt)};
}

const std::map<std::string, Factory>& configs() {
  static const std::map<std::string, Factory> table = {
      {"sgd", one<SGD>({.lr = 0.1})},
      {"sgd_momentum", one<SGD>({.lr = 0.05, .momentum = 0.9})},
      {"sgd_dampening", one<SGD>({.lr = 0.05, .momentum = 0.9, .dampening = 0.3})},
      {"sgd_nesterov", one<SGD>({.lr = 0.05, .momentum = 0.9, .nesterov = true})},
      {"sgd_weight_decay", one<SGD>({.lr = 0.1, .weight_decay = 0.01})},
      {"sgd_momentum_dampening_wd",
       one<SGD>({.lr = 0.05, .momentum = 0.8, .dampening = 0.1, .weight_decay = 0.02})},
      {"sgd_nesterov_wd",
       one<SGD>({.lr = 0.05, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true})},
      {"adagrad", one<Adagrad>({.lr = 0.1})},
      {"adagrad_lr_decay", one<Adagrad>({.lr = 0.1,
                                         .lr_decay = 0.05,
                                         .weight_decay = 0.01,
                                         .initial_accumulator_value = 0.1,
                                         .eps = 1e-8})},
      {"adadelta", one<Adadelta>({})},
      {"adadelta_rho_wd",
       one<Adadelta>({.lr = 0.5, .rho = 0.95, .eps = 1e-5, .weight_decay = 0.01})},
      {"rmsprop", one<RMSprop>({.lr = 0.01})},
      {"rmsprop_centered", one<RMSprop>({.lr = 0.01, .centered = true})},
      {"rmsprop_momentum", one<RMSprop>({.lr = 0.005, .momentum = 0.9})},
      {"rmsprop_centered_momentum_wd", one<RMSprop>({.lr = 0.005,
                                                     .alpha = 0.9,
                                                     .eps = 1e-6,
                                                     .weight_decay = 0.01,
                                                     .momentum = 0.5,
                                                     .centered = true})},
      {"adam", one<Adam>({.lr = 0.01})},
      {"adam_amsgrad", one<Adam>({.lr = 0.01, .amsgrad = true})},
      {"adam_betas_wd", one<Adam>({.lr = 0.01, .betas = {0.8, 0.99}, .weight_decay = 0.05})},
      {"adam_amsgrad_wd_eps",
       one<Adam>({.lr = 0.01, .eps = 1e-3, .weight_decay = 0.01, .amsgrad = true})},
      {"adamw", one<AdamW>({.lr = 0.01})},
      {"adamw_amsgrad", one<AdamW>({.lr = 0.01, .weight_decay = 0.1, .amsgrad = true})},
      {"nadam", one<NAdam>({.lr = 0.01})},
      {"nadam_betas_wd_decay", one<NAdam>({.lr = 0.01,
                                           .betas = {0.8, 0.99},
                                           .eps = 1e-6,
                                           .weight_decay = 0.05,
                                           .momentum_decay = 0.01})},
      {"adam_groups",
       [](const std::vector<Tensor>& p) {
         return two<Adam>(p, {.lr = 0.02}, {.lr = 0.005, .amsgrad = true});
       }},
      {"sgd_momentum_steplr",
       [](const std::vector<Tensor>& p) {
         Trained r{std::make_unique<SGD>(p, SgdOptions{.lr = 0.1, .momentum = 0.9})};
         r.sched = std::make_unique<StepLR>(*r.opt, StepLrOptions{.step_size = 10, .gamma = 0.5});
         return r;
       }},
      {"adam_cosine",
       [](const std::vector<Tensor>& p) {
         Trained r{std::make_unique<Adam>(p, AdamOptions{.lr = 0.02})};
         r.sched = std::make_unique<CosineAnnealingLR>(
             *r.opt, CosineAnnealingOptions{.t_max = 20, .eta_min = 0.001});
         return r;
       }},
      {"adamw_linear_warmup",
       [](const std::vector<Tensor>& p) {
         Trained r{std::make_unique<AdamW>(p, AdamWOptions{.lr = 0.02})};
         r.sched = std::make_unique<LinearLR>(
             *r.opt, LinearLrOptions{.start_factor = 0.1, .total_iters = 10});
         return r;
       }},
      {"sgd_groups_steplr",
       [](const std::vector<Tensor>& p) {
         Trained r = two<SGD>(p, {.lr = 0.1, .momentum = 0.9}, {.lr = 0.05, .momentum = 0.5});
         r.sched = std::make_unique<StepLR>(*r.opt, StepLrOptions{.step_size = 7, .gamma = 0.7});
         return r;
       }},
      {"adamw_warmup_cosine",
       [](const std::vector<Tensor>& p) {
         Trained r{std::make_unique<AdamW>(p, AdamWOptions{.lr = 0.02, .weight_decay = 0.05})};
         r.warmup = std::make_unique<LinearLR>(
             *r.opt, LinearLrOptions{.start_factor = 0.2, .total_iters = 5});
         r.sched = std::make_unique<CosineAnnealingLR>(
             *r.opt, CosineAnnealingOptions{.t_max = 30, .eta_min = 0.002});
         r.chain = std::make_unique<ChainedScheduler>(
             std::vector<LrScheduler*>{r.warmup.get(), r.sched.get()});
         return r;
       }},
      {"sgd_plateau",
       [](const std::vector<Tensor>& p) {
         Trained r{std::make_unique<SGD>(p, SgdOptions{.lr = 0.1, .momentum = 0.9})};
         r.plateau = std::make_unique<ReduceLROnPlateau>(
             *r.opt,
             PlateauOptions{.factor = 0.5, .patience = 2, .threshold = 0.05, .cooldown = 1});
         return r;
       }},
  };
  return table;
}

constexpr double kRtol = 1e-5;
constexpr double kAtol = 1e-10;

::testing::AssertionResult rows_close(const std::vector<double>& got,
                                      const std::vector<double>& want, const std::string& what) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure()
           << what << ": " << got.size() << " vs " << want.size() << " values";
  for (size_t i = 0; i < got.size(); ++i) {
    if (!(std::abs(got[i] - want[i]) <= kAtol + kRtol * std::abs(want[i])))
      return ::testing::AssertionFailure()
             << what << " element " << i << ": nabla " << got[i] << " vs torch " << want[i];
  }
  return ::testing::AssertionSuccess();
}

const io::TensorMap& fixture() {
  static const io::TensorMap f = test::load_fixture("optim_trajectories");
  return f;
}

class Trajectory : public ::testing::TestWithParam<std::string> {};

TEST_P(Trajectory, MatchesPyTorch) {
  const std::string name = GetParam();
  const io::TensorMap& f = fixture();
  Mlp mlp = Mlp::from_fixture(f);
  Trained run = configs().at(name)(mlp.params);
  const Tensor& want = test::fixture_get(f, name + ".params");  // (saved steps, 67)
  const auto saved = test::fixture_get(f, "saved_steps").to_vector<int64_t>();
  const bool scheduled = run.sched || run.plateau;
  std::vector<double> want_lr;
  if (scheduled) want_lr = test::fixture_get(f, name + ".lr").to_vector<double>();
  ASSERT_EQ(want.size(0), static_cast<int64_t>(saved.size()));
  size_t row = 0;
  for (int64_t step = 1; step <= saved.back(); ++step) {
    const double loss = mlp.train_step(*run.opt, step);
    if (run.chain) {
      run.chain->step();
    } else if (run.sched) {
      run.sched->step();
    }
    if (run.plateau) run.plateau->step(loss);
    if (scheduled) {
      ASSERT_NEAR(run.opt->lr(), want_lr[step - 1], kRtol * want_lr[step - 1])
          << name << " lr after step " << step;
    }
    if (step == saved[row]) {
      const auto want_row = want.select(0, static_cast<int64_t>(row)).to_vector<double>();
      ASSERT_TRUE(rows_close(mlp.flat(), want_row, name + " after step " + std::to_string(step)));
      ++row;
    }
  }
  EXPECT_EQ(row, saved.size());
}

std::vector<std::string> config_names() {
  std::vector<std::string> names;
  for (const auto& [k, v] : configs()) names.push_back(k);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Optim, Trajectory, ::testing::ValuesIn(config_names()),
                         [](const auto& info) { return info.param; });

// Every configuration the fixture script wrote is run above (the two lists are in step).
TEST(Trajectory, FixtureHasNoUntestedConfig) {
  for (const auto& [key, t] : fixture()) {
    const auto dot = key.rfind(".params");
    if (dot == std::string::npos || dot + 7 != key.size()) continue;
    EXPECT_TRUE(configs().count(key.substr(0, dot))) << "no C++ config for fixture " << key;
  }
}

// The training actually moves the parameters and lowers the loss (the comparison above would
// also pass if neither side moved).
TEST(Trajectory, TrainingReducesLoss) {
  Mlp mlp = Mlp::from_fixture(fixture());
  auto full_loss = [&] {
    autograd::NoGradGuard no_grad;  // evaluation: no graph
    double s = 0;
    for (int64_t b = 0; b < 4; ++b) s += mlp.loss(b).item();
    return s;
  };
  const double before = full_loss();
  Adam opt(mlp.params, {.lr = 0.02});
  for (int64_t step = 1; step <= 50; ++step) mlp.train_step(opt, step);
  EXPECT_LT(full_loss(), 0.8 * before);
}

}  // namespace
}  // namespace nabla::optim
