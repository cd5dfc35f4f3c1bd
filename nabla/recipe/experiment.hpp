// From a config to the objects of a training run: data, model, optimizer, loss, schedule,
// augmentation and trainer options. Every key the configs in configs/ use is read here (or in
// model_config.cpp), so Config::check_unused() can reject a misspelt one.
//
//   seed = 0
//   [data]      dataset = "fashion_mnist" | "synthetic"; root; validation = "test" | "holdout";
//               val_size; train_subset; test_subset; scale = "unit" | "standard"
//               (synthetic: classes, image_size, train_size, test_size, noise)
//   [model]     see model_config.hpp
//   [optimizer] name = sgd | adam | adamw | adagrad | adadelta | rmsprop; lr; momentum;
//               nesterov; weight_decay; betas; eps; rho; alpha; centered; amsgrad; lr_decay
//   [schedule]  name = none | cosine | warmup_cosine | step | exponential | plateau; min_lr;
//               warmup_epochs; step_epochs; gamma; factor; patience; threshold; cooldown
//               (schedules.hpp: the registry and which name reads which key)
//   [loss]      label_smoothing
//   [augment]   hflip; crop_padding; input_noise
//   [train]     epochs; batch_size (0 = full batch); shuffle; early_stopping_patience;
//               early_stopping_min_delta; weight_noise; grad_clip_norm; eval_batch_size; prefetch
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nabla/data/dataset.hpp"
#include "nabla/io/config.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/optim/optimizer.hpp"
#include "nabla/recipe/datasets.hpp"
#include "nabla/recipe/losses.hpp"
#include "nabla/recipe/optimizers.hpp"
#include "nabla/recipe/schedules.hpp"
#include "nabla/recipe/summary.hpp"
#include "nabla/train/trainer.hpp"

namespace nabla::recipe {

// Empty when no augmentation is configured.
data::Transform transform_from_config(const io::Config& augment, const Shape& input_shape);
// [train] + seed + schedule + augmentation. The schedule starts from the optimizer's lr when
// fit() builds it.
train::TrainerOptions trainer_options_from_config(const io::Config& cfg, const Shape& input_shape);

// The top-level `rng` key: "nabla" (default: nabla's generators) or "pytorch" (initial weights
// and shuffling drawn from PyTorch's streams for the same seed; augmentation, dropout and the
// hold-out split stay nabla's). Anything else is an error.
std::string rng_from_config(const io::Config& cfg);

// Everything of one run, built with the config's seed (model init is seeded too).
struct Experiment {
  io::Config cfg;
  ExperimentData data;
  std::shared_ptr<nn::Module> net;  // nn::Sequential, or nn::Graph (model_config.hpp)
  ModelSummary summary;             // layers, shapes, parameters, FLOPs (summary.hpp)
  std::unique_ptr<optim::Optimizer> opt;
  train::LossFn loss;
  train::TrainerOptions options;
};

// check_unused: reject keys nobody read (a typo in the config is an error, not a silent default).
Experiment make_experiment(const io::Config& cfg, bool check_unused = true);
// A fresh model for the same config (cross-validation folds, ensemble members), initialised
// from `seed`; build_seeded_model also returns what the probe pass saw (for the summary).
BuiltModel build_seeded_model(const io::Config& cfg, const ExperimentData& data, uint64_t seed);
std::shared_ptr<nn::Module> make_model(const io::Config& cfg, const ExperimentData& data,
                                       uint64_t seed);

}  // namespace nabla::recipe
