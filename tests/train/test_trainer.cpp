// Trainer: resume exactness (epoch boundary and mid-epoch, with weight noise, clipping and each
// kind of lr schedule), the step's hooks, early stopping, divergence, the stop flag, metrics.csv
// and checkpoints.
#include <unistd.h>

#include <atomic>
#include <cmath>

#include "nabla/io/safetensors.hpp"
#include "nabla/nn/loss.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/optim/optim.hpp"
#include "nabla/train/callbacks.hpp"
#include "nabla/train/checkpoint.hpp"
#include "nabla/train/evaluate.hpp"
#include "nabla/train/metrics_csv.hpp"
#include "nabla/train/trainer.hpp"
#include "tests/support/trainer_fixtures.hpp"

namespace nabla::test {
namespace {

using train::History;
using train::Trainer;
using train::TrainerOptions;

train::LossFn ce() {
  nn::CrossEntropyLoss l;
  return [l](const Tensor& o, const Tensor& t) { return l(o, t); };
}

TrainerOptions base_options(const std::string& dir, int64_t epochs) {
  TrainerOptions o;
  o.epochs = epochs;
  o.loader.batch_size = 16;
  o.loader.seed = 7;
  o.run_dir = dir;
  o.weight_noise = 0.01;  // its RNG stream must be restored too
  o.transform = data::transforms::RandomHorizontalFlip(0.5);
  o.lr_scheduler = [](optim::Optimizer& opt, const train::ScheduleContext&) {
    return train::Scheduler::per_step(std::make_unique<optim::LambdaLR>(
        opt, [](int64_t step) { return 1.0 / (1.0 + 0.01 * static_cast<double>(step)); }));
  };
  return o;
}

void expect_same_weights(const nn::Module& a, const nn::Module& b) {
  auto sa = a.state_dict(), sb = b.state_dict();
  ASSERT_EQ(sa.size(), sb.size());
  for (auto& [k, v] : sa) {
    const auto x = v.to_vector<double>(), y = sb.at(k).to_vector<double>();
    ASSERT_EQ(x.size(), y.size()) << k;
    for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(x[i], y[i]) << k << "[" << i << "] differs";
  }
}

// Runs `epochs` in one go, then the same with an interruption (at an epoch boundary or after
// `cut_steps` steps) and --resume; the weights, optimizer state and history (rates included)
// must be identical. `tweak` changes base_options for all three runs. Returns the straight run's
// history.
History check_resume(int64_t epochs, int64_t first_epochs, int64_t cut_steps,
                     const std::function<void(TrainerOptions&)>& tweak = {}) {
  auto options = [&](const std::string& dir, int64_t n) {
    TrainerOptions o = base_options(dir, n);
    if (tweak) tweak(o);
    return o;
  };
  auto train_set = tiny_images(200, 1), val_set = tiny_images(64, 2);
  TempDir straight("straight"), resumed("resumed");

  auto net_a = tiny_net(3);
  optim::Adam opt_a(net_a->parameters(), {.lr = 0.01});
  History ha =
      Trainer(options(straight.str(), epochs)).fit(*net_a, opt_a, ce(), train_set, val_set);

  auto net_b = tiny_net(3);
  optim::Adam opt_b(net_b->parameters(), {.lr = 0.01});
  TrainerOptions first = options(resumed.str(), first_epochs);
  first.max_steps = cut_steps;
  History h1 = Trainer(first).fit(*net_b, opt_b, ce(), train_set, val_set);
  if (cut_steps > 0) {
    EXPECT_TRUE(h1.interrupted);
  }

  // A new process would start from scratch: different init, fresh optimizer, other RNG state.
  manual_seed(12345);
  auto net_c = tiny_net(99);
  optim::Adam opt_c(net_c->parameters(), {.lr = 0.01});
  TrainerOptions second = options(resumed.str(), epochs);
  second.resume = true;
  History hc = Trainer(second).fit(*net_c, opt_c, ce(), train_set, val_set);

  expect_same_weights(*net_a, *net_c);
  auto oa = opt_a.state_dict(), oc = opt_c.state_dict();
  for (auto& [k, v] : oa) EXPECT_EQ(v.to_vector<double>(), oc.at(k).to_vector<double>()) << k;
  EXPECT_EQ(ha.epochs.size(), hc.epochs.size());
  for (size_t i = 0; i < std::min(ha.epochs.size(), hc.epochs.size()); ++i) {
    EXPECT_EQ(ha.epochs[i].train_loss, hc.epochs[i].train_loss) << "epoch " << i + 1;
    EXPECT_EQ(ha.epochs[i].val_loss, hc.epochs[i].val_loss) << "epoch " << i + 1;
    EXPECT_EQ(ha.epochs[i].lr, hc.epochs[i].lr) << "epoch " << i + 1;
  }
  // metrics.csv of the resumed run lists every epoch once
  EXPECT_EQ(train::read_metrics_csv(resumed / train::kMetricsFile).size(),
            static_cast<size_t>(epochs));
  return ha;
}

TEST(TrainerResume, OneEpochThenResumeEqualsTwoStraight) { check_resume(2, 1, 0); }

TEST(TrainerResume, MidEpochInterruptThenResumeEqualsStraight) {
  // 200 samples / 16 = 13 steps per epoch: stop after 18 steps (inside epoch 2)
  check_resume(3, 3, 18);
}

// Weight noise, gradient clipping and a per-step warm-up + cosine schedule together, cut inside
// the warm-up-free part of epoch 2: every callback's state must come back exactly.
TEST(TrainerResume, NoiseClippingAndWarmupCosineAcrossAMidEpochResume) {
  History h = check_resume(3, 3, 18, [](TrainerOptions& o) {
    o.grad_clip_norm = 0.05;  // small enough to bind on most steps
    o.lr_scheduler = [](optim::Optimizer& opt, const train::ScheduleContext& c) {
      return train::Scheduler::per_step(std::make_unique<optim::WarmupCosineLR>(
          opt,
          optim::WarmupCosineOptions{
              .total_steps = c.epochs * c.steps_per_epoch, .warmup_steps = 5, .eta_min = 1e-4}));
    };
  });
  // 39 steps in all: the last step's rate is the cosine's value at step 38
  const double p = (38.0 - 5) / (39.0 - 5);
  EXPECT_DOUBLE_EQ(h.epochs.back().lr, 1e-4 + (0.01 - 1e-4) * 0.5 * (1 + std::cos(M_PI * p)));
}

TEST(TrainerResume, PerEpochStepScheduleAcrossAMidEpochResume) {
  History h = check_resume(3, 3, 18, [](TrainerOptions& o) {
    o.lr_scheduler = [](optim::Optimizer& opt, const train::ScheduleContext&) {
      return train::Scheduler::per_epoch(
          std::make_unique<optim::StepLR>(opt, optim::StepLrOptions{.step_size = 1, .gamma = 0.5}));
    };
  });
  ASSERT_EQ(h.epochs.size(), 3u);
  EXPECT_EQ(h.epochs[0].lr, 0.01);
  EXPECT_EQ(h.epochs[1].lr, 0.01 * 0.5);
  EXPECT_EQ(h.epochs[2].lr, 0.01 * 0.5 * 0.5);
}

// ReduceLROnPlateau has state (best loss, bad epochs, cooldown) that resume rebuilds by replaying
// the checkpoint's validation losses.
TEST(TrainerResume, PlateauScheduleReplaysTheValidationLosses) {
  History h = check_resume(4, 2, 0, [](TrainerOptions& o) {
    o.lr_scheduler = [](optim::Optimizer& opt, const train::ScheduleContext&) {
      // a 50 % relative threshold: hardly an epoch counts as better, so the rate keeps falling
      return train::Scheduler::on_plateau(std::make_unique<optim::ReduceLROnPlateau>(
          opt, optim::PlateauOptions{.factor = 0.5, .patience = 0, .threshold = 0.5}));
    };
  });
  EXPECT_LT(h.epochs.back().lr, h.epochs.front().lr);
}

TEST(TrainerResume, PlateauWithoutValidationSetIsRefused) {
  auto net = tiny_net(1);
  optim::SGD opt(net->parameters(), {.lr = 0.1});
  TrainerOptions o;
  o.lr_scheduler = [](optim::Optimizer& opt, const train::ScheduleContext&) {
    return train::Scheduler::on_plateau(std::make_unique<optim::ReduceLROnPlateau>(opt));
  };
  try {
    Trainer(o).fit(*net, opt, ce(), tiny_images(32, 1));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no validation set"), std::string::npos) << e.what();
  }
}

// The step's hooks run in order; an added callback sees noisy weights before forward, clean
// weights and clipped gradients after backward, and the rate the step used in TrainerState::lr.
class HookRecorder : public train::Callback {
 public:
  std::vector<std::string> calls;
  double noisy_dist = 0, clean_dist = 0, max_grad_norm = 0;
  void on_train_begin(train::TrainerState&) override { calls.push_back("train_begin"); }
  void on_epoch_begin(train::TrainerState& s) override {
    calls.push_back("epoch_begin");
    clean_ = flat(*s.net, false);
  }
  void on_before_forward(train::TrainerState& s) override {
    calls.push_back("before_forward");
    EXPECT_NE(s.batch, nullptr);
    noisy_dist = std::max(noisy_dist, dist(flat(*s.net, false), clean_));
  }
  void on_after_backward(train::TrainerState& s) override {
    calls.push_back("after_backward");
    clean_dist = std::max(clean_dist, dist(flat(*s.net, false), clean_));
    const auto g = flat(*s.net, true);
    max_grad_norm = std::max(max_grad_norm, std::sqrt(dist(g, std::vector<double>(g.size()))));
  }
  void on_after_step(train::TrainerState& s) override {
    calls.push_back("after_step");
    EXPECT_EQ(s.lr, 0.5 / (1 + static_cast<double>(s.global_step - 1)));
    clean_ = flat(*s.net, false);
  }
  void on_epoch_end(train::TrainerState&, train::EpochMetrics& m) override {
    calls.push_back("epoch_end");
    EXPECT_EQ(m.lr, 0.5 / 2);  // the rate of the epoch's last (second) step
  }
  void on_train_end(train::TrainerState&) override { calls.push_back("train_end"); }

 private:
  static std::vector<double> flat(const nn::Module& net, bool grads) {
    std::vector<double> v;
    for (const auto& p : net.parameters()) {
      const auto x = grads ? p.grad().to_vector<double>() : p.to_vector<double>();
      v.insert(v.end(), x.begin(), x.end());
    }
    return v;
  }
  // squared distance
  static double dist(const std::vector<double>& a, const std::vector<double>& b) {
    double d = 0;
    for (size_t i = 0; i < a.size(); ++i) d += (a[i] - b[i]) * (a[i] - b[i]);
    return d;
  }
  std::vector<double> clean_;
};

TEST(TrainerHooks, OrderAndWhatEachHookSees) {
  auto net = tiny_net(2);
  optim::SGD opt(net->parameters(), {.lr = 0.5});
  TrainerOptions o;
  o.loader.batch_size = 16;
  o.weight_noise = 0.1;
  o.grad_clip_norm = 1e-3;
  o.lr_scheduler = [](optim::Optimizer& opt, const train::ScheduleContext&) {
    return train::Scheduler::per_step(std::make_unique<optim::LambdaLR>(
        opt, [](int64_t t) { return 1.0 / (1.0 + static_cast<double>(t)); }));
  };
  Trainer t(o);
  auto rec = std::make_shared<HookRecorder>();
  t.add_callback(rec);
  t.fit(*net, opt, ce(), tiny_images(32, 1));  // 2 steps
  const std::vector<std::string> want = {
      "train_begin",    "epoch_begin",    "before_forward", "after_backward", "after_step",
      "before_forward", "after_backward", "after_step",     "epoch_end",      "train_end"};
  EXPECT_EQ(rec->calls, want);
  EXPECT_GT(rec->noisy_dist, 1e-2);   // noise of std 0.1 on every weight
  EXPECT_LT(rec->clean_dist, 1e-10);  // removed again (up to rounding) before the next hooks
  EXPECT_LE(rec->max_grad_norm, 1e-3 * (1 + 1e-6));
  EXPECT_GT(rec->max_grad_norm, 0);
}

TEST(TrainerResume, MissingCheckpointIsAnIoError) {
  TempDir dir("nockpt");
  auto net = tiny_net(1);
  optim::SGD opt(net->parameters(), {.lr = 0.1});
  TrainerOptions o = base_options(dir.str(), 1);
  o.resume = true;
  EXPECT_THROW(Trainer(o).fit(*net, opt, ce(), tiny_images(32, 1)), IoError);
}

TEST(TrainerEarlyStopping, StopsAndRestoresTheBestWeights) {
  // Validation labels are shifted by one class: the better the net fits the training labels,
  // the worse its validation loss gets after the first epochs, so early stopping must fire.
  auto train_set = tiny_images(256, 1, 0.3);
  data::Batch v = tiny_images(128, 2, 0.3).all();
  std::vector<int64_t> shifted = v.targets.to_vector<int64_t>();
  for (auto& t : shifted) t = (t + 1) % 4;
  data::TensorDataset val_set(v.inputs,
                              Tensor::from_vector(shifted, {static_cast<int64_t>(shifted.size())}));

  TempDir dir("early");
  auto net = tiny_net(5);
  optim::Adam opt(net->parameters(), {.lr = 0.01});
  TrainerOptions o;
  o.epochs = 30;
  o.loader.batch_size = 32;
  o.early_stopping_patience = 2;
  o.run_dir = dir.str();
  History h = Trainer(o).fit(*net, opt, ce(), train_set, val_set);

  ASSERT_TRUE(h.stopped_early);
  EXPECT_LT(h.epochs.size(), 30u);
  EXPECT_EQ(static_cast<int64_t>(h.epochs.size()), h.best_epoch + 2);
  EXPECT_TRUE(h.restored_best);
  // the best epoch really has the lowest validation loss, and the model holds its weights
  for (const auto& m : h.epochs) EXPECT_GE(m.val_loss, h.best_val_loss);
  EXPECT_LT(h.epochs.back().val_loss, 1e9);
  const double restored = train::evaluate(*net, val_set, ce(), 1000).loss;
  EXPECT_NEAR(restored, h.best_val_loss, 1e-6);
  EXPECT_GT(h.epochs.back().val_loss, restored + 1e-4);
  auto best = io::load_safetensors(dir / train::kBestFile);
  for (auto& [k, t] : net->state_dict())
    EXPECT_EQ(t.to_vector<double>(), best.at(k).to_vector<double>()) << k;
}

TEST(TrainerDivergence, NanLossNamesTheStepAndTheLastCheckpoint) {
  TempDir dir("nan");
  auto net = tiny_net(1);
  optim::SGD opt(net->parameters(), {.lr = 0.1});
  int calls = 0;
  // finite for the first epoch (4 steps of 64), NaN on the 3rd step of epoch 2
  train::LossFn bad = [&](const Tensor& o, const Tensor& t) {
    Tensor l = ce()(o, t);
    return ++calls == 7 ? l * std::nan("") : l;
  };
  TrainerOptions o;
  o.epochs = 3;
  o.loader.batch_size = 64;
  o.run_dir = dir.str();
  try {
    Trainer(o).fit(*net, opt, bad, tiny_images(256, 1));
    FAIL() << "expected DivergedError";
  } catch (const train::DivergedError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("epoch 2 step 3"), std::string::npos) << msg;
    EXPECT_NE(msg.find("checkpoint.safetensors (after epoch 1)"), std::string::npos) << msg;
  }
}

// Raises the stop flag (as SIGINT does) after a given global step.
class RaiseFlagAt : public train::Callback {
 public:
  RaiseFlagAt(std::atomic<bool>& flag, int64_t step) : flag_(flag), step_(step) {}
  void on_after_step(train::TrainerState& s) override {
    if (s.global_step == step_) flag_ = true;
  }

 private:
  std::atomic<bool>& flag_;
  int64_t step_;
};

TEST(TrainerStopFlag, SavesACheckpointAndStops) {
  TempDir dir("sigint");
  std::atomic<bool> flag{false};
  auto net = tiny_net(1);
  optim::SGD opt(net->parameters(), {.lr = 0.1});
  TrainerOptions o;
  o.epochs = 5;
  o.loader.batch_size = 16;
  o.run_dir = dir.str();
  o.stop_flag = &flag;
  Trainer t(o);
  t.add_callback(std::make_shared<RaiseFlagAt>(flag, 5));
  History h = t.fit(*net, opt, ce(), tiny_images(64, 1));
  EXPECT_TRUE(h.interrupted);
  EXPECT_TRUE(h.epochs.size() == 1u);  // 4 steps per epoch: stopped inside epoch 2
  auto info = train::read_checkpoint_info(dir / train::kCheckpointFile);
  EXPECT_EQ(info.loop.epochs_done, 1);
  EXPECT_EQ(info.loop.step_in_epoch, 1);
  EXPECT_EQ(info.loop.global_step, 5);
}

TEST(TrainerMetrics, CsvHasOneRowPerEpochWithGap) {
  TempDir dir("csv");
  auto net = tiny_net(1);
  optim::Adam opt(net->parameters(), {.lr = 0.01});
  TrainerOptions o;
  o.epochs = 3;
  o.run_dir = dir.str();
  History h = Trainer(o).fit(*net, opt, ce(), tiny_images(128, 1), tiny_images(64, 2));
  auto rows = train::read_metrics_csv(dir / train::kMetricsFile);
  ASSERT_EQ(rows.size(), 3u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].epoch, static_cast<int64_t>(i + 1));
    EXPECT_NEAR(rows[i].val_loss, h.epochs[i].val_loss, 1e-6);
    EXPECT_NEAR(rows[i].gap(), h.epochs[i].val_loss - h.epochs[i].train_loss, 1e-6);
    EXPECT_GT(rows[i].lr, 0);
  }
  EXPECT_LT(h.epochs.back().train_loss, h.epochs.front().train_loss);
}

TEST(TrainerOptionsCheck, RejectsBadValues) {
  EXPECT_THROW(Trainer({.epochs = -1}), Error);
  TrainerOptions o;
  o.resume = true;  // no run_dir
  EXPECT_THROW(Trainer{o}, Error);
}

TEST(TrainerOptionsCheck, GradClipBoundsEveryStep) {
  // with the global gradient norm clipped to 1e-3 and SGD lr 1, no weight can move by more than
  // steps * 1e-3 in total
  auto net = tiny_net(2);
  auto before = net->state_dict();
  std::map<std::string, std::vector<double>> w0;
  for (auto& [k, v] : before) w0[k] = v.to_vector<double>();
  optim::SGD opt(net->parameters(), {.lr = 1.0});
  TrainerOptions o;
  o.epochs = 1;
  o.loader.batch_size = 16;
  o.grad_clip_norm = 1e-3;
  Trainer(o).fit(*net, opt, ce(), tiny_images(64, 1));  // 4 steps
  double moved = 0;
  for (auto& [k, v] : net->state_dict()) {
    const auto w1 = v.to_vector<double>();
    double sq = 0;
    for (size_t i = 0; i < w1.size(); ++i) sq += (w1[i] - w0[k][i]) * (w1[i] - w0[k][i]);
    moved += sq;
  }
  EXPECT_GT(std::sqrt(moved), 0.0);
  EXPECT_LE(std::sqrt(moved), 4 * 1e-3 + 1e-9);
}

TEST(TrainerApi, TheDesignDocExampleCompilesAndLearns) {
  // DESIGN.md's "What a user writes", on synthetic 8x8 images instead of Fashion-MNIST
  manual_seed(0);
  nn::Sequential net{nn::Conv2d(1, 6, 5, {.padding = 2}), nn::ReLU(), nn::MaxPool2d(2),
                     nn::Flatten(), nn::Linear(96, 4)};
  optim::Adam opt(net.parameters(), {.lr = 1e-2});
  train::Trainer trainer({.epochs = 3, .loader = {.batch_size = 64}});
  auto history =
      trainer.fit(net, opt, nn::CrossEntropyLoss{}, tiny_images(256, 1), tiny_images(128, 2));
  ASSERT_EQ(history.epochs.size(), 3u);
  EXPECT_GT(history.epochs.back().val_acc, 0.6);  // chance is 0.25
  EXPECT_LT(history.epochs.back().train_loss, history.epochs.front().train_loss);
  EXPECT_GT(history.epochs.back().images_per_s, 0);
}

}  // namespace
}  // namespace nabla::test
