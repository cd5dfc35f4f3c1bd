#include "nabla/recipe/experiment.hpp"

#include <cmath>

#include "nabla/core/random.hpp"
#include "nabla/data/fashion_mnist.hpp"
#include "nabla/data/split.hpp"
#include "nabla/data/synthetic.hpp"
#include "nabla/data/transforms.hpp"
#include "nabla/nn/init.hpp"
#include "nabla/nn/loss.hpp"
#include "nabla/optim/optim.hpp"
#include "nabla/recipe/model_config.hpp"

namespace nabla::recipe {

data::Transform transform_from_config(const io::Config& a, const Shape& input_shape) {
  std::vector<data::Transform> ts;
  const int64_t pad = a.get_int("crop_padding", 0);
  NABLA_CHECK(pad >= 0, "augment.crop_padding", "must be >= 0, got ", pad);
  if (pad > 0) {
    NABLA_CHECK(input_shape.size() == 3, "augment.crop_padding", "needs image inputs");
    ts.push_back(data::transforms::RandomCrop(input_shape[1], input_shape[2], pad));
  }
  if (a.get_bool("hflip", false)) ts.push_back(data::transforms::RandomHorizontalFlip(0.5));
  const double noise = a.get_double("input_noise", 0.0);
  NABLA_CHECK(noise >= 0, "augment.input_noise", "must be >= 0, got ", noise);
  if (noise > 0) ts.push_back(data::transforms::GaussianNoise(noise));
  if (ts.empty()) return {};
  return data::transforms::Compose(std::move(ts));
}

train::TrainerOptions trainer_options_from_config(const io::Config& cfg, const Shape& input_shape) {
  const io::Config t = cfg.get_table("train");
  train::TrainerOptions o;
  o.epochs = t.get_int("epochs", 5);
  o.loader.seed = static_cast<uint64_t>(cfg.get_int("seed", 0));
  o.loader.batch_size = t.get_int("batch_size", 64);
  o.loader.shuffle = t.get_bool("shuffle", true);
  o.loader.pytorch_order = rng_from_config(cfg) == "pytorch";
  o.loader.prefetch = static_cast<int>(t.get_int("prefetch", 2));
  o.early_stopping_patience = t.get_int("early_stopping_patience", 0);
  o.early_stopping_min_delta = t.get_double("early_stopping_min_delta", 0.0);
  o.weight_noise = t.get_double("weight_noise", 0.0);
  o.grad_clip_norm = t.get_double("grad_clip_norm", 0.0);
  o.eval_batch_size = t.get_int("eval_batch_size", 1000);
  NABLA_CHECK(o.epochs >= 0, "train.epochs", "must be >= 0, got ", o.epochs);
  NABLA_CHECK(o.loader.batch_size >= 0, "train.batch_size", "must be >= 0 (0 = full batch), got ",
              o.loader.batch_size);
  o.transform = transform_from_config(cfg.get_table("augment"), input_shape);
  o.lr_scheduler = schedule_from_config(cfg.get_table("schedule"));
  return o;
}

std::string rng_from_config(const io::Config& cfg) {
  const std::string rng = cfg.get_string("rng", "nabla");
  NABLA_CHECK(rng == "nabla" || rng == "pytorch", "rng",
              "expected \"nabla\" or \"pytorch\", got \"", rng, "\"");
  return rng;
}

BuiltModel build_seeded_model(const io::Config& cfg, const ExperimentData& data, uint64_t seed) {
  manual_seed(seed);
  BuiltModel m = build_model(cfg.get_table("model"), data.input_shape, data.num_classes);
  if (rng_from_config(cfg) == "pytorch") {
    const std::string init = cfg.get_table("model").get_string("init", "default");
    NABLA_CHECK(!cfg.get_table("model").has("onnx"), "rng",
                "rng = \"pytorch\" redraws the weights; an imported model (model.onnx) keeps its "
                "file's, so remove `rng`");
    NABLA_CHECK(init == "default", "rng",
                "rng = \"pytorch\" draws PyTorch's default init; it cannot be combined with "
                "model.init = \"",
                init, "\"");
    nn::init::pytorch_default_init_(*m.net, seed);
  }
  return m;
}

std::shared_ptr<nn::Module> make_model(const io::Config& cfg, const ExperimentData& data,
                                       uint64_t seed) {
  return build_seeded_model(cfg, data, seed).net;
}

Experiment make_experiment(const io::Config& cfg, bool check_unused) {
  Experiment e;
  e.cfg = cfg;
  e.data = load_experiment_data(cfg);
  const BuiltModel model =
      build_seeded_model(cfg, e.data, static_cast<uint64_t>(cfg.get_int("seed", 0)));
  e.net = model.net;
  e.summary = summarize(model);
  e.opt = optimizer_from_config(cfg.get_table("optimizer"), e.net->parameters());
  e.loss = loss_from_config(cfg.get_table("loss"));
  e.options = trainer_options_from_config(cfg, e.data.input_shape);
  e.options.config_text = cfg.to_toml();
  if (check_unused) cfg.check_unused();
  return e;
}

}  // namespace nabla::recipe
