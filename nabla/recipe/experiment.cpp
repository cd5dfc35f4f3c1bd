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

namespace {
// Fashion-MNIST training-set pixel statistics (the usual normalisation constants).
constexpr double kFashionMean = 0.2860;
constexpr double kFashionStd = 0.3530;

data::TensorDataset scaled(const data::TensorDataset& ds, const std::string& scale) {
  if (scale == "unit") return ds;
  data::Batch all = ds.all();
  return data::TensorDataset(apply_input_scale(all.inputs, scale), all.targets);
}
}  // namespace

Tensor apply_input_scale(const Tensor& images, const std::string& scale) {
  if (scale == "unit") return images;
  NABLA_CHECK(scale == "standard", "data.scale", "expected \"unit\" or \"standard\", got \"", scale,
              "\"");
  return data::transforms::normalize(images, {kFashionMean}, {kFashionStd});
}

ExperimentData load_experiment_data(const io::Config& cfg) {
  const io::Config d = cfg.get_table("data");
  const uint64_t seed = static_cast<uint64_t>(cfg.get_int("seed", 0));
  ExperimentData out;
  const std::string dataset = d.get_string("dataset", "fashion_mnist");
  data::TensorDataset train, test;
  if (dataset == "fashion_mnist") {
    auto split = data::FashionMnist::load(d.get_string("root", data::FashionMnist::kDefaultDir));
    train = split.train;
    test = split.test;
    out.num_classes = data::FashionMnist::kNumClasses;
    const auto& names = data::FashionMnist::class_names();
    out.class_names.assign(names.begin(), names.end());
  } else if (dataset == "synthetic") {
    const int64_t classes = d.get_int("classes", 4), size = d.get_int("image_size", 12);
    const double noise = d.get_double("noise", 0.3);
    // One template set for both splits (the task), separate noise streams (the samples).
    train = data::make_synthetic_images(d.get_int("train_size", 512), classes, size, noise,
                                        seed * 2 + 1, 12345);
    test = data::make_synthetic_images(d.get_int("test_size", 256), classes, size, noise,
                                       seed * 2 + 2, 12345);
    out.num_classes = classes;
    for (int64_t k = 0; k < classes; ++k) out.class_names.push_back("class " + std::to_string(k));
  } else {
    NABLA_CHECK(false, "data.dataset", "unknown dataset \"", dataset,
                "\" (expected \"fashion_mnist\" or \"synthetic\")");
  }
  out.scale = d.get_string("scale", "unit");
  apply_input_scale(Tensor::zeros({1, 1, 1, 1}), out.scale);  // validates the name early

  const std::string validation = d.get_string("validation", "test");
  if (validation == "holdout") {
    const int64_t val_size = d.get_int("val_size", 5000);
    NABLA_CHECK(val_size > 0 && val_size < train.size(), "data.val_size", "must be in (0, ",
                train.size(), "), got ", val_size);
    auto [tr, va] = data::train_val_split(
        train, static_cast<double>(val_size) / static_cast<double>(train.size()), seed);
    train = tr;
    out.val = va;
  } else {
    NABLA_CHECK(validation == "test", "data.validation", "expected \"test\" or \"holdout\", got \"",
                validation, "\"");
    out.val_is_test = true;
  }
  const int64_t train_subset = d.get_int("train_subset", 0);
  const int64_t test_subset = d.get_int("test_subset", 0);
  NABLA_CHECK(train_subset >= 0 && test_subset >= 0, "data",
              "train_subset and test_subset must be >= 0");
  if (train_subset > 0) train = train.take(train_subset);
  if (test_subset > 0) test = test.take(test_subset);

  out.train = scaled(train, out.scale);
  out.test = scaled(test, out.scale);
  out.val = out.val_is_test ? out.test : scaled(out.val, out.scale);
  out.input_shape = out.train.sample_shape();
  // Checked at load, before any training: a test set of another image size would otherwise
  // fail only at the first evaluation, after a whole epoch.
  for (const auto* split : {&out.val, &out.test}) {
    const char* name = split == &out.test ? "test" : "validation";
    NABLA_CHECK(split->sample_shape() == out.input_shape, "data", "the ", name, " samples are ",
                shape_str(split->sample_shape()), " but the training samples are ",
                shape_str(out.input_shape), "; every split must have the same shape");
  }
  return out;
}

std::unique_ptr<optim::Optimizer> optimizer_from_config(const io::Config& o,
                                                        const std::vector<Tensor>& params) {
  const std::string name = o.get_string("name", "adam");
  const double wd = o.get_double("weight_decay", 0.0);
  if (name == "sgd") {
    optim::SgdOptions s;
    s.lr = o.get_double("lr", 0.01);
    s.momentum = o.get_double("momentum", 0.0);
    s.dampening = o.get_double("dampening", 0.0);
    s.nesterov = o.get_bool("nesterov", false);
    s.weight_decay = wd;
    return std::make_unique<optim::SGD>(params, s);
  }
  if (name == "adam" || name == "adamw") {
    const auto betas = o.get_double_list("betas", std::vector<double>{0.9, 0.999});
    NABLA_CHECK(betas.size() == 2, "optimizer.betas", "expected two numbers, got ", betas.size());
    if (name == "adamw") {
      optim::AdamWOptions a;
      a.lr = o.get_double("lr", 1e-3);
      a.betas = {betas[0], betas[1]};
      a.eps = o.get_double("eps", 1e-8);
      a.weight_decay = o.get_double("weight_decay", 1e-2);
      a.amsgrad = o.get_bool("amsgrad", false);
      return std::make_unique<optim::AdamW>(params, a);
    }
    optim::AdamOptions a;
    a.lr = o.get_double("lr", 1e-3);
    a.betas = {betas[0], betas[1]};
    a.eps = o.get_double("eps", 1e-8);
    a.weight_decay = wd;
    a.amsgrad = o.get_bool("amsgrad", false);
    return std::make_unique<optim::Adam>(params, a);
  }
  if (name == "adagrad") {
    optim::AdagradOptions a;
    a.lr = o.get_double("lr", 1e-2);
    a.lr_decay = o.get_double("lr_decay", 0.0);
    a.eps = o.get_double("eps", 1e-10);
    a.weight_decay = wd;
    return std::make_unique<optim::Adagrad>(params, a);
  }
  if (name == "adadelta") {
    optim::AdadeltaOptions a;
    a.lr = o.get_double("lr", 1.0);
    a.rho = o.get_double("rho", 0.9);
    a.eps = o.get_double("eps", 1e-6);
    a.weight_decay = wd;
    return std::make_unique<optim::Adadelta>(params, a);
  }
  if (name == "rmsprop") {
    optim::RmspropOptions r;
    r.lr = o.get_double("lr", 1e-2);
    r.alpha = o.get_double("alpha", 0.99);
    r.eps = o.get_double("eps", 1e-8);
    r.momentum = o.get_double("momentum", 0.0);
    r.centered = o.get_bool("centered", false);
    r.weight_decay = wd;
    return std::make_unique<optim::RMSprop>(params, r);
  }
  NABLA_CHECK(false, "optimizer.name", "unknown optimizer \"", name,
              "\" (expected sgd, adam, adamw, adagrad, adadelta or rmsprop)");
  return nullptr;
}

// Closed forms of the step index, not stateful schedulers: a resumed run recomputes exactly the
// rates the uninterrupted run used.
train::LrSchedule schedule_from_config(const io::Config& s, double base_lr, int64_t epochs) {
  const std::string name = s.get_string("name", "none");
  if (name == "none") return {};
  const double min_lr = s.get_double("min_lr", 0.0);
  if (name == "cosine" || name == "warmup_cosine") {
    const double warmup = name == "warmup_cosine" ? s.get_double("warmup_epochs", 1.0) : 0.0;
    NABLA_CHECK(warmup >= 0, "schedule.warmup_epochs", "must be >= 0, got ", warmup);
    return [=](int64_t step, int64_t spe) {
      const double total = static_cast<double>(std::max<int64_t>(1, epochs * spe));
      const double warm = warmup * static_cast<double>(spe);
      const double t = static_cast<double>(step);
      if (t < warm) return base_lr * (t + 1) / warm;
      const double progress = std::min(1.0, (t - warm) / std::max(1.0, total - warm));
      return min_lr + (base_lr - min_lr) * 0.5 * (1 + std::cos(M_PI * progress));
    };
  }
  if (name == "step") {
    const int64_t step_epochs = s.get_int("step_epochs");
    const double gamma = s.get_double("gamma", 0.1);
    NABLA_CHECK(step_epochs > 0, "schedule.step_epochs", "must be positive, got ", step_epochs);
    return [=](int64_t step, int64_t spe) {
      return base_lr * std::pow(gamma, static_cast<double>((step / spe) / step_epochs));
    };
  }
  NABLA_CHECK(false, "schedule.name", "unknown schedule \"", name,
              "\" (expected none, cosine, warmup_cosine or step)");
  return {};
}

train::LossFn loss_from_config(const io::Config& l) {
  const std::string name = l.get_string("name", "cross_entropy");
  NABLA_CHECK(name == "cross_entropy", "loss.name",
              "only \"cross_entropy\" trains classifiers here, got \"", name, "\"");
  nn::CrossEntropyLossOptions o;
  o.label_smoothing = l.get_double("label_smoothing", 0.0);
  nn::CrossEntropyLoss ce(o);
  return [ce](const Tensor& out, const Tensor& target) { return ce(out, target); };
}

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

train::TrainerOptions trainer_options_from_config(const io::Config& cfg, const Shape& input_shape,
                                                  double base_lr) {
  const io::Config t = cfg.get_table("train");
  train::TrainerOptions o;
  o.seed = static_cast<uint64_t>(cfg.get_int("seed", 0));
  o.epochs = t.get_int("epochs", 5);
  o.batch_size = t.get_int("batch_size", 64);
  o.shuffle = t.get_bool("shuffle", true);
  o.pytorch_order = rng_from_config(cfg) == "pytorch";
  o.early_stopping_patience = t.get_int("early_stopping_patience", 0);
  o.early_stopping_min_delta = t.get_double("early_stopping_min_delta", 0.0);
  o.weight_noise = t.get_double("weight_noise", 0.0);
  o.grad_clip_norm = t.get_double("grad_clip_norm", 0.0);
  o.eval_batch_size = t.get_int("eval_batch_size", 1000);
  o.prefetch = static_cast<int>(t.get_int("prefetch", 2));
  NABLA_CHECK(o.epochs >= 0, "train.epochs", "must be >= 0, got ", o.epochs);
  NABLA_CHECK(o.batch_size >= 0, "train.batch_size", "must be >= 0 (0 = full batch), got ",
              o.batch_size);
  o.transform = transform_from_config(cfg.get_table("augment"), input_shape);
  o.lr_schedule = schedule_from_config(cfg.get_table("schedule"), base_lr, o.epochs);
  return o;
}

std::string rng_from_config(const io::Config& cfg) {
  const std::string rng = cfg.get_string("rng", "nabla");
  NABLA_CHECK(rng == "nabla" || rng == "pytorch", "rng",
              "expected \"nabla\" or \"pytorch\", got \"", rng, "\"");
  return rng;
}

std::shared_ptr<nn::Sequential> make_model(const io::Config& cfg, const ExperimentData& data,
                                           uint64_t seed) {
  manual_seed(seed);
  auto net = model_from_config(cfg.get_table("model"), data.input_shape, data.num_classes);
  if (rng_from_config(cfg) == "pytorch") {
    const std::string init = cfg.get_table("model").get_string("init", "default");
    NABLA_CHECK(init == "default", "rng",
                "rng = \"pytorch\" draws PyTorch's default init; it cannot be combined with "
                "model.init = \"",
                init, "\"");
    nn::init::pytorch_default_init_(*net, seed);
  }
  return net;
}

Experiment make_experiment(const io::Config& cfg, bool check_unused) {
  Experiment e;
  e.cfg = cfg;
  e.data = load_experiment_data(cfg);
  e.net = make_model(cfg, e.data, static_cast<uint64_t>(cfg.get_int("seed", 0)));
  e.opt = optimizer_from_config(cfg.get_table("optimizer"), e.net->parameters());
  e.loss = loss_from_config(cfg.get_table("loss"));
  e.options = trainer_options_from_config(cfg, e.data.input_shape, e.opt->lr());
  e.options.config_text = cfg.to_toml();
  if (check_unused) cfg.check_unused();
  return e;
}

}  // namespace nabla::recipe
