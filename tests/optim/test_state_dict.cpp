// Saving and restoring optimizer and schedule state: training 20 steps, checkpointing through a
// safetensors file, restoring into fresh objects and training 30 more gives exactly the
// parameters of 50 uninterrupted steps; bad state dicts throw nabla::Error and change nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "nabla/autograd/node.hpp"
#include "nabla/io/safetensors.hpp"
#include "tests/optim/mlp.hpp"

namespace nabla::optim {
namespace {

using test::Mlp;

using OptFactory = std::function<std::unique_ptr<Optimizer>(const std::vector<Tensor>&)>;

template <class Opt>
OptFactory make(typename Opt::Options o) {
  return [o](const std::vector<Tensor>& p) { return std::make_unique<Opt>(p, o); };
}

const std::vector<std::pair<std::string, OptFactory>>& optimizers() {
  static const std::vector<std::pair<std::string, OptFactory>> list = {
      {"sgd_nesterov",
       make<SGD>({.lr = 0.05, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true})},
      {"adagrad", make<Adagrad>({.lr = 0.1, .lr_decay = 0.01, .initial_accumulator_value = 0.1})},
      {"adadelta", make<Adadelta>({})},
      {"rmsprop", make<RMSprop>({.lr = 0.005, .momentum = 0.5, .centered = true})},
      {"adam_amsgrad", make<Adam>({.lr = 0.01, .amsgrad = true})},
      {"adamw", make<AdamW>({.lr = 0.01})},
      {"nadam", make<NAdam>({.lr = 0.01, .weight_decay = 0.01})},
  };
  return list;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("nabla_optim_" + std::to_string(::getpid()) + "_" + name + ".safetensors"))
      .string();
}

// Prefixes every key, to store optimizer and schedule state in one checkpoint file.
StateDict with_prefix(const StateDict& d, const std::string& prefix) {
  StateDict out;
  for (const auto& [k, v] : d) out[prefix + k] = v;
  return out;
}
StateDict strip_prefix(const StateDict& d, const std::string& prefix) {
  StateDict out;
  for (const auto& [k, v] : d)
    if (k.rfind(prefix, 0) == 0) out[k.substr(prefix.size())] = v;
  return out;
}

TEST(StateDict, ResumeEqualsUninterruptedTraining) {
  const io::TensorMap f = test::load_fixture("optim_trajectories");
  for (const auto& [name, factory] : optimizers()) {
    SCOPED_TRACE(name);
    Mlp straight = Mlp::from_fixture(f);
    auto opt = factory(straight.params);
    CosineAnnealingLR sched(*opt, {.t_max = 15, .eta_min = 1e-4});
    for (int64_t s = 1; s <= 50; ++s) {
      straight.train_step(*opt, s);
      sched.step();
    }

    Mlp first = Mlp::from_fixture(f);
    auto opt1 = factory(first.params);
    CosineAnnealingLR sched1(*opt1, {.t_max = 15, .eta_min = 1e-4});
    for (int64_t s = 1; s <= 20; ++s) {
      first.train_step(*opt1, s);
      sched1.step();
    }
    const std::string path = temp_path(name);
    io::TensorMap ckpt = with_prefix(opt1->state_dict(), "optim.");
    for (const auto& [k, v] : with_prefix(sched1.state_dict(), "sched.")) ckpt[k] = v;
    for (size_t i = 0; i < first.params.size(); ++i)
      ckpt["param." + std::to_string(i)] = first.params[i];
    io::save_safetensors(path, ckpt);

    // A fresh process would start here: new parameters, optimizer and schedule.
    const io::TensorMap loaded = io::load_safetensors(path);
    std::filesystem::remove(path);
    Mlp resumed = Mlp::from_fixture(f);
    {
      autograd::NoGradGuard no_grad;
      for (size_t i = 0; i < resumed.params.size(); ++i)
        resumed.params[i].copy_(loaded.at("param." + std::to_string(i)));
    }
    auto opt2 = factory(resumed.params);
    opt2->set_lr(123.0);  // overwritten by the state dict
    CosineAnnealingLR sched2(*opt2, {.t_max = 15, .eta_min = 1e-4});
    opt2->load_state_dict(strip_prefix(loaded, "optim."));
    sched2.load_state_dict(strip_prefix(loaded, "sched."));
    EXPECT_EQ(sched2.last_epoch(), 20);
    EXPECT_EQ(opt2->lr(), opt1->lr());
    for (int64_t s = 21; s <= 50; ++s) {
      resumed.train_step(*opt2, s);
      sched2.step();
    }
    EXPECT_EQ(resumed.flat(), straight.flat());  // bitwise
    EXPECT_EQ(opt2->lr(), opt->lr());
  }
}

TEST(StateDict, KeysAndValues) {
  Tensor w = Tensor::ones({2, 3}, DType::Float32).set_requires_grad(true);
  Tensor b = Tensor::zeros({3}, DType::Float32).set_requires_grad(true);
  Adam opt({w}, {.lr = 0.01, .betas = {0.8, 0.9}, .amsgrad = true});
  opt.add_param_group({b}, {.lr = 0.5});
  StateDict d = opt.state_dict();
  EXPECT_EQ(d.at("param_groups.0.lr").item(), 0.01);
  EXPECT_EQ(d.at("param_groups.0.beta1").item(), 0.8);
  EXPECT_EQ(d.at("param_groups.0.amsgrad").item(), 1.0);
  EXPECT_EQ(d.at("param_groups.1.lr").item(), 0.5);
  EXPECT_EQ(d.at("param_groups.1.amsgrad").item(), 0.0);
  EXPECT_EQ(d.at("param_groups.1.num_params").item(), 1.0);
  EXPECT_EQ(d.at("param_groups.0.lr").dtype(), DType::Float64);
  EXPECT_EQ(d.count("state.0.step"), 0u);  // no state before the first update
  w.set_grad(Tensor::full({2, 3}, 0.5, DType::Float32));
  opt.step();  // b has no gradient: skipped, no state
  d = opt.state_dict();
  EXPECT_EQ(d.at("state.0.step").item(), 1.0);
  EXPECT_EQ(d.at("state.0.exp_avg").shape(), (Shape{2, 3}));
  EXPECT_EQ(d.at("state.0.exp_avg").dtype(), DType::Float32);
  EXPECT_NEAR(d.at("state.0.exp_avg").at({1, 2}), 0.2 * 0.5, 1e-7);
  EXPECT_EQ(d.count("state.0.max_exp_avg_sq"), 1u);
  EXPECT_EQ(d.count("state.1.step"), 0u);
  // state_dict copies: changing it does not change the optimizer
  d.at("state.0.exp_avg").fill_(7);
  EXPECT_NEAR(opt.state_dict().at("state.0.exp_avg").at({0, 0}), 0.1, 1e-7);
}

// Each bad dict throws nabla::Error naming the key, and leaves the optimizer as it was.
TEST(StateDict, BadDictsThrowAndChangeNothing) {
  Tensor w = Tensor::ones({2, 2}, DType::Float64).set_requires_grad(true);
  Adam opt({w}, {.lr = 0.01});
  w.set_grad(Tensor::ones({2, 2}, DType::Float64));
  opt.step();
  const StateDict good = opt.state_dict();
  auto expect_throw = [&](StateDict d, const std::string& needle) {
    try {
      opt.load_state_dict(d);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    EXPECT_EQ(opt.lr(), 0.01);
    EXPECT_EQ(opt.state_dict().at("state.0.step").item(), 1.0);
  };
  StateDict d = good;
  d.erase("state.0.exp_avg_sq");
  expect_throw(d, "state.0.exp_avg_sq");
  d = good;
  d.erase("param_groups.0.eps");
  expect_throw(d, "param_groups.0.eps");
  d = good;
  d["state.0.momentum_buffer"] = Tensor::zeros({2, 2}, DType::Float64);
  expect_throw(d, "unexpected entry 'state.0.momentum_buffer'");
  d = good;
  d["state.0.exp_avg"] = Tensor::zeros({4}, DType::Float64);
  expect_throw(d, "state.0.exp_avg");
  d = good;
  d["param_groups.0.num_params"] = Tensor::from_vector(std::vector<double>{2}, {1});
  expect_throw(d, "num_params");
  d = good;
  d["param_groups.0.lr"] = Tensor::from_vector(std::vector<double>{-1}, {1});
  expect_throw(d, "lr");
  d = good;
  d["param_groups.0.lr"] = Tensor::from_vector(std::vector<double>{1, 2}, {2});
  expect_throw(d, "param_groups.0.lr");
  d = good;
  d["state.0.step"] = Tensor::from_vector(std::vector<double>{-1}, {1});
  expect_throw(d, "state.0.step");
  // an SGD checkpoint into Adam: the option names differ
  Tensor v = Tensor::ones({2, 2}, DType::Float64).set_requires_grad(true);
  SGD sgd({v}, {.lr = 0.1, .momentum = 0.9});
  expect_throw(sgd.state_dict(), "param_groups.0");
  // and a good one still loads
  EXPECT_NO_THROW(opt.load_state_dict(good));
}

// NAdam's momentum-schedule product is per-parameter state beside step: saved, and required.
TEST(StateDict, NAdamKeepsMuProduct) {
  Tensor w = Tensor::ones({2}, DType::Float64).set_requires_grad(true);
  NAdam opt({w}, {.momentum_decay = 0.01});
  for (int i = 0; i < 2; ++i) {
    w.set_grad(Tensor::full({2}, 0.5, DType::Float64));
    opt.step();
  }
  const auto mu = [](double t) { return 0.9 * (1 - 0.5 * std::pow(0.96, t * 0.01)); };
  StateDict d = opt.state_dict();
  EXPECT_NEAR(d.at("state.0.mu_product").item(), mu(1) * mu(2), 1e-7);  // float32 as PyTorch
  EXPECT_EQ(d.at("state.0.step").item(), 2.0);
  d.at("state.0.mu_product").fill_(0.25);
  opt.load_state_dict(d);
  EXPECT_EQ(opt.param_state(0).scalars.at("mu_product"), 0.25);
  d.erase("state.0.mu_product");
  try {
    opt.load_state_dict(d);
    ADD_FAILURE() << "no error for a missing mu_product";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing entry 'state.0.mu_product'"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(opt.param_state(0).scalars.at("mu_product"), 0.25);  // unchanged by the failed load
}

TEST(StateDict, LoadingIntoFreshOptimizerAndDtypeConversion) {
  Tensor w = Tensor::ones({3}, DType::Float32).set_requires_grad(true);
  RMSprop opt({w}, {.lr = 0.01, .momentum = 0.9});
  StateDict d = opt.state_dict();
  d["state.0.step"] = Tensor::from_vector(std::vector<double>{4}, {1});
  d["state.0.square_avg"] = Tensor::full({3}, 0.25, DType::Float64);  // converted to float32
  d["state.0.momentum_buffer"] = Tensor::zeros({3}, DType::Float64);
  opt.load_state_dict(d);
  EXPECT_EQ(opt.param_state(0).step, 4);
  EXPECT_EQ(opt.param_state(0).buffers.at("square_avg").dtype(), DType::Float32);
  w.set_grad(Tensor::zeros({3}, DType::Float32));
  opt.step();
  EXPECT_EQ(opt.param_state(0).step, 5);
  EXPECT_NEAR(opt.param_state(0).buffers.at("square_avg").at({0}), 0.25 * 0.99, 1e-7);
}

TEST(StateDict, SchedulerBadDicts) {
  Tensor w = Tensor::ones({1}, DType::Float64).set_requires_grad(true);
  SGD opt({w}, {.lr = 0.1});
  StepLR sched(opt, {.step_size = 2});
  StateDict d = sched.state_dict();
  d.erase("last_epoch");
  EXPECT_THROW(sched.load_state_dict(d), Error);
  d = sched.state_dict();
  d["base_lrs"] = Tensor::zeros({2}, DType::Float64);  // two groups
  EXPECT_THROW(sched.load_state_dict(d), Error);
  d = sched.state_dict();
  d["extra"] = Tensor::zeros({1}, DType::Float64);
  EXPECT_THROW(sched.load_state_dict(d), Error);

  ReduceLROnPlateau plateau(opt, {.patience = 1});
  plateau.step(1.0);
  plateau.step(2.0);
  StateDict p = plateau.state_dict();
  EXPECT_EQ(p.at("best").item(), 1.0);
  EXPECT_EQ(p.at("num_bad_epochs").item(), 1.0);
  ReduceLROnPlateau other(opt, {.patience = 1});
  other.load_state_dict(p);
  EXPECT_EQ(other.best(), 1.0);
  EXPECT_EQ(other.num_bad_epochs(), 1);
  other.step(3.0);  // second bad epoch > patience: reduce
  EXPECT_NEAR(opt.lr(), 0.01, 1e-15);
  p.erase("best");
  EXPECT_THROW(other.load_state_dict(p), Error);
}

}  // namespace
}  // namespace nabla::optim
