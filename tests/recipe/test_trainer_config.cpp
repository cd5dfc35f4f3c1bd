// model_from_config and the config -> experiment glue: named models, shape inference, errors
// that name the layer, optimizers and schedules from TOML.
#include <cmath>

#include "nabla/io/config.hpp"
#include "nabla/nn/init.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/optim/optim.hpp"
#include "nabla/recipe/experiment.hpp"
#include "nabla/recipe/model_config.hpp"
#include "tests/support/trainer_fixtures.hpp"

namespace nabla::test {
namespace {

io::Config parse(const std::string& s) { return io::parse_config(s, "test.toml"); }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ModelFromConfig, NamedModelsHaveTheKnownParameterCounts) {
  // LeNet-5 of the notes and PyTorch's anchor: 61,706 parameters; MLP 784-256-128-10: 235,146.
  EXPECT_EQ(recipe::model_from_config(parse("name = \"lenet\""))->num_parameters(), 61706);
  EXPECT_EQ(recipe::model_from_config(parse("name = \"mlp\""))->num_parameters(), 235146);
  auto cnn = recipe::model_from_config(parse("name = \"cnn\""));
  Tensor y = cnn->forward(Tensor::zeros({2, 1, 28, 28}));
  EXPECT_EQ(y.shape(), (Shape{2, 10}));
}

TEST(ModelFromConfig, LayerListInfersInputSizes) {
  auto net = recipe::model_from_config(parse(R"(layers = [
    { type = "conv2d", out = 3, kernel = 3, stride = 2, padding = 1 }, { type = "leaky_relu", slope = 0.1 },
    { type = "conv2d", out = 4, kernel = 3, dilation = 2 }, { type = "tanh" },
    { type = "flatten" }, { type = "dropout", p = 0.1 }, { type = "maxout", out = 6, pieces = 2 },
    { type = "linear", out = 5 } ])"),
                                       {1, 13, 13}, 5);
  // 13 -> (13+2-2-1)/2+1 = 7 -> 7 - 2*2 = 3: 4*3*3 = 36 features
  Tensor y = net->forward(Tensor::zeros({2, 1, 13, 13}));
  EXPECT_EQ(y.shape(), (Shape{2, 5}));
}

TEST(ModelFromConfig, ErrorsNameTheLayerAndTheFix) {
  EXPECT_NE(error_of([] {
              recipe::model_from_config(parse("name = \"resnet9000\""));
            }).find("model.name: unknown model \"resnet9000\" (expected one of: lenet, mlp, cnn"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              recipe::model_from_config(parse("layers = [{ type = \"conv3d\", out = 2 }]"));
            }).find("layer 0 (conv3d): unknown layer type"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              recipe::model_from_config(parse("layers = [{ type = \"linear\", out = 10 }]"));
            }).find("add { type = \"flatten\" }"),
            std::string::npos);
  EXPECT_NE(
      error_of([] {
        recipe::model_from_config(parse("layers = [{ type = \"conv2d\", out = 2, kernel = 40 }]"));
      })
          .find("layer 0 (conv2d): conv2d: the kernel (40x40, dilation (1, 1), reach 40x40) is "
                "larger than the padded input (28x28"),
      std::string::npos);
  EXPECT_NE(error_of([] {
              recipe::model_from_config(
                  parse("layers = [{ type = \"flatten\" }, { type = \"linear\", out = 7 }]"));
            }).find("10 classes"),
            std::string::npos);
}

TEST(ModelFromConfig, ZeroInitFailsToBreakSymmetry) {
  // the notes' point: with all weights equal, every hidden unit gets the same gradient
  auto net = recipe::model_from_config(parse("name = \"mlp\"\ninit = \"zeros\""));
  for (const auto& p : net->parameters()) EXPECT_EQ(sum(abs(p)).item(), 0.0);
  auto he = recipe::model_from_config(parse("name = \"mlp\"\ninit = \"he_normal\""));
  EXPECT_GT(sum(abs(he->parameters()[0])).item(), 0.0);
}

TEST(ExperimentConfig, OptimizersAndSchedules) {
  Tensor w = Tensor::zeros({3});
  w.set_requires_grad(true);
  for (const char* name : {"sgd", "adam", "adamw", "adagrad", "adadelta", "rmsprop"}) {
    auto opt =
        recipe::optimizer_from_config(parse(std::string("name = \"") + name + "\"\nlr = 0.5"), {w});
    EXPECT_DOUBLE_EQ(opt->lr(), 0.5) << name;
  }
  EXPECT_THROW(recipe::optimizer_from_config(parse("name = \"lbfgs\""), {w}), Error);

  // Schedules are built on the optimizer fit() trains (lr 1 here), with the steps per epoch
  // fit() knows (10) and the run's epochs (2); `steps` scheduler steps later, this is the rate.
  auto rate_after = [&](const std::string& toml, int64_t steps) {
    optim::SGD opt({w}, {.lr = 1.0});
    train::Scheduler s = recipe::schedule_from_config(parse(toml))(opt, {10, 2});
    for (int64_t i = 0; i < steps; ++i) s.scheduler->step();
    return opt.lr();
  };
  const std::string cosine = "name = \"cosine\"\nmin_lr = 0.1";
  EXPECT_DOUBLE_EQ(rate_after(cosine, 0), 1.0);      // per step: 20 steps in all
  EXPECT_NEAR(rate_after(cosine, 10), 0.55, 1e-12);  // half way
  EXPECT_NEAR(rate_after(cosine, 20), 0.1, 1e-12);
  const std::string step = "name = \"step\"\nstep_epochs = 2\ngamma = 0.5";
  EXPECT_DOUBLE_EQ(rate_after(step, 1), 1.0);  // per epoch: epochs 0-1
  EXPECT_DOUBLE_EQ(rate_after(step, 2), 0.5);  // epochs 2-3
  EXPECT_DOUBLE_EQ(rate_after(step, 4), 0.25);
  EXPECT_FALSE(static_cast<bool>(recipe::schedule_from_config(parse(""))));
  EXPECT_FALSE(static_cast<bool>(recipe::schedule_from_config(parse("name = \"none\""))));
}

// One table of schedules: the names, which ones step per epoch, warm-up, plateau and exponential,
// and errors that name the key.
TEST(ExperimentConfig, ScheduleRegistry) {
  EXPECT_EQ(recipe::schedules().names(),
            (std::vector<std::string>{"none", "cosine", "warmup_cosine", "step", "exponential",
                                      "plateau"}));
  Tensor w = Tensor::zeros({1});
  w.set_requires_grad(true);
  {
    optim::SGD opt({w}, {.lr = 1.0});
    auto s = recipe::schedule_from_config(parse("name = \"warmup_cosine\"\nwarmup_epochs = 0.5"))(
        opt, {10, 2});
    EXPECT_EQ(s.every, train::Scheduler::Every::Step);
    EXPECT_DOUBLE_EQ(opt.lr(), 1.0 / 5);  // step 0 of a 5-step warm-up
  }
  {
    optim::SGD opt({w}, {.lr = 1.0});
    auto s =
        recipe::schedule_from_config(parse("name = \"exponential\"\ngamma = 0.9"))(opt, {10, 2});
    EXPECT_EQ(s.every, train::Scheduler::Every::Epoch);
    s.scheduler->step();
    s.scheduler->step();
    EXPECT_DOUBLE_EQ(opt.lr(), 0.81);
  }
  {
    optim::SGD opt({w}, {.lr = 1.0});
    auto s = recipe::schedule_from_config(parse("name = \"plateau\"\nfactor = 0.5\npatience = 0"))(
        opt, {10, 2});
    ASSERT_NE(s.plateau, nullptr);
    EXPECT_EQ(s.scheduler, nullptr);
    s.plateau->step(1.0);
    s.plateau->step(1.0);  // no improvement, patience 0: halved
    EXPECT_DOUBLE_EQ(opt.lr(), 0.5);
  }

  EXPECT_NE(error_of([] {
              recipe::schedule_from_config(parse("name = \"cyclic\""));
            }).find("expected one of: none, cosine"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              recipe::schedule_from_config(parse("name = \"plateau\"\nfactor = 2"));
            }).find("schedule.factor"),
            std::string::npos);
  EXPECT_NE(
      error_of([] { recipe::schedule_from_config(parse("name = \"exponential\"")); }).find("gamma"),
      std::string::npos);
}

TEST(ExperimentConfig, MisspeltKeyIsRejected) {
  io::Config cfg = parse(R"(
[data]
dataset = "synthetic"
train_size = 64
test_size = 32
[model]
name = "mlp"
[optimizer]
name = "adam"
lr = 0.01
[train]
epohcs = 3
)");
  std::string msg = error_of([&] { recipe::make_experiment(cfg); });
  EXPECT_NE(msg.find("epohcs"), std::string::npos) << msg;
}

TEST(ExperimentConfig, SyntheticHoldoutSplitSizes) {
  io::Config cfg = parse(R"(
seed = 3
[data]
dataset = "synthetic"
train_size = 100
test_size = 40
validation = "holdout"
val_size = 20
train_subset = 50
[model]
name = "mlp"
)");
  recipe::Experiment e = recipe::make_experiment(cfg);
  EXPECT_EQ(e.data.train.size(), 50);
  EXPECT_EQ(e.data.val.size(), 20);
  EXPECT_EQ(e.data.test.size(), 40);
  EXPECT_FALSE(e.data.val_is_test);
  EXPECT_EQ(e.data.input_shape, (Shape{1, 12, 12}));
}

// rng = "pytorch": the model gets PyTorch's default init for the seed
// (tests/nn/test_pytorch_init.cpp checks the draws bit for bit) and the trainer shuffles with
// PyTorch's randperm stream.
TEST(ExperimentConfig, PyTorchRngSelectsTorchInitAndOrder) {
  const std::string base = R"(
seed = 5
[data]
dataset = "synthetic"
train_size = 64
test_size = 32
[model]
name = "mlp"
)";
  recipe::Experiment own = recipe::make_experiment(parse(base));
  recipe::Experiment torch = recipe::make_experiment(parse("rng = \"pytorch\"\n" + base));
  EXPECT_FALSE(own.options.loader.pytorch_order);
  EXPECT_TRUE(torch.options.loader.pytorch_order);
  EXPECT_NE(own.net->named_parameters()[0].second.to_vector<float>(),
            torch.net->named_parameters()[0].second.to_vector<float>());
  // The same architecture built with nabla's init (own parameters), re-drawn from the stream.
  nn::init::pytorch_default_init_(*own.net, 5);
  for (const auto& [name, t] : torch.net->named_parameters())
    EXPECT_EQ(t.to_vector<float>(), own.net->state_dict().at(name).to_vector<float>()) << name;

  std::string msg = error_of([&] { recipe::make_experiment(parse("rng = \"numpy\"\n" + base)); });
  EXPECT_NE(msg.find("rng"), std::string::npos) << msg;
  msg = error_of([&] {
    recipe::make_experiment(parse("rng = \"pytorch\"\n" + base + "init = \"he_normal\"\n"));
  });
  EXPECT_NE(msg.find("he_normal"), std::string::npos) << msg;
}

}  // namespace
}  // namespace nabla::test
