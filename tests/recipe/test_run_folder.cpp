// Checkpoints and run folders under hostile conditions: NaN weights, weights that do not fit
// the model, optimizer options on resume, which --set keys a resume may change, and splits
// whose shapes disagree.
#include <cmath>

#include "nabla/io/safetensors.hpp"
#include "nabla/nn/loss.hpp"
#include "nabla/optim/optim.hpp"
#include "nabla/recipe/run.hpp"
#include "nabla/train/checkpoint.hpp"
#include "nabla/train/trainer.hpp"
#include "tests/support/trainer_fixtures.hpp"

namespace nabla::test {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Checkpoint, NonFiniteWeightsAreRefusedNamingFileAndTensor) {
  TempDir dir("nan");
  auto net = tiny_net(1);
  const std::string path = dir / "model.safetensors";
  auto sd = net->state_dict();
  Tensor w = sd.at("5.weight").clone_data();
  w.data<float>()[3] = INFINITY;
  w.data<float>()[7] = NAN;
  sd["5.weight"] = w;
  io::save_safetensors(path, sd);
  try {
    train::load_model(*tiny_net(2), path);
    FAIL() << "NaN/Inf weights were loaded";
  } catch (const IoError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("'5.weight' holds 2 NaN/Inf values (first at element 3)"), std::string::npos)
        << msg;
  }
}

TEST(Checkpoint, StateDictErrorsNameTheFile) {
  TempDir dir("mismatch");
  const std::string path = dir / "model.safetensors";
  train::save_model(*tiny_net(1), path);
  manual_seed(1);
  nn::Sequential other;
  other.push_back(nn::Flatten());
  other.push_back(nn::Linear(64, 4));
  const std::string msg = error_of([&] { train::load_model(other, path); });
  EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
}

// The resumed run's optimizer options win over the checkpoint's; its state (moments, step
// counts) comes from the checkpoint. `--resume --set optimizer.lr=...` relies on it.
TEST(Checkpoint, ResumeKeepsTheConfiguredOptimizerOptionsAndLoadsTheState) {
  TempDir dir("opt");
  auto net = tiny_net(1);
  optim::SGD opt(net->parameters(), {.lr = 0.1, .momentum = 0.9});
  for (auto& p : net->parameters()) p.set_grad(Tensor::ones(p.shape()));
  opt.step();
  train::save_checkpoint(dir / "ckpt.safetensors", *net, opt, {});

  auto net2 = tiny_net(2);
  optim::SGD opt2(net2->parameters(), {.lr = 0.5, .momentum = 0.8});
  train::load_checkpoint(dir / "ckpt.safetensors", *net2, opt2);
  EXPECT_DOUBLE_EQ(opt2.lr(), 0.5);
  EXPECT_DOUBLE_EQ(opt2.options().momentum, 0.8);
  EXPECT_EQ(opt2.param_state(0).step, 1);
  EXPECT_EQ(opt2.param_state(0).buffers.at("momentum_buffer").to_vector<float>(),
            opt.param_state(0).buffers.at("momentum_buffer").to_vector<float>());
}

TEST(RunFolder, ResumeMayChangeHowItTrainsButNotWhatTheCheckpointMeans) {
  EXPECT_NO_THROW(
      recipe::check_resume_overrides({"optimizer.lr=0.1", "schedule.name=cosine", "train.epochs=9",
                                      "loss.label_smoothing=0.1", "augment.hflip=true"}));
  for (const char* key :
       {"model.layers[0].out=3", "data.root=x", "seed=2", "rng=pytorch", "optimizer.name=sgd"}) {
    const std::string msg = error_of([&] { recipe::check_resume_overrides({key}); });
    EXPECT_NE(msg.find("cannot change a run being resumed"), std::string::npos)
        << key << ": " << msg;
    EXPECT_NE(msg.find(std::string(key).substr(0, std::string(key).find('='))), std::string::npos)
        << msg;
  }
}

TEST(RunFolder, ATrainingHoldsItsFolderLock) {
  TempDir dir("lock");
  io::FolderLock held = recipe::prepare_run_dir(dir / "run", false);
  const std::string msg = error_of([&] { (void)recipe::prepare_run_dir(dir / "run", true); });
  EXPECT_NE(msg.find("in use"), std::string::npos) << msg;
}

TEST(TrainerShapes, ValidationSamplesOfAnotherShapeFailBeforeTheFirstStep) {
  auto net = tiny_net(1);
  optim::SGD opt(net->parameters(), {.lr = 0.1});
  const auto before = net->state_dict().at("5.weight").to_vector<float>();
  nn::CrossEntropyLoss ce;
  auto loss = [ce](const Tensor& o, const Tensor& t) { return ce(o, t); };
  data::TensorDataset val = data::make_synthetic_images(8, 4, 10, 0.1, 1, 2);  // 10x10, not 8x8
  const std::string msg = error_of([&] {
    train::Trainer({.epochs = 1, .loader = {.batch_size = 16}})
        .fit(*net, opt, loss, tiny_images(32, 1), val);
  });
  EXPECT_NE(msg.find("[1, 10, 10]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("[1, 8, 8]"), std::string::npos) << msg;
  EXPECT_EQ(net->state_dict().at("5.weight").to_vector<float>(), before)
      << "it trained before checking";
}

}  // namespace
}  // namespace nabla::test
