#include "nabla/recipe/cv.hpp"

#include <cmath>
#include <cstdio>
#include <ostream>

#include "nabla/data/split.hpp"
#include "nabla/recipe/experiment.hpp"
#include "nabla/recipe/stats.hpp"
#include "nabla/train/evaluate.hpp"

namespace nabla::recipe {

CvResult cross_validate(const io::Config& cfg, int64_t k, std::ostream* log) {
  const ExperimentData data = load_experiment_data(cfg);
  NABLA_CHECK(k >= 2 && k <= data.train.size(), "cv", "--folds must be in [2, ", data.train.size(),
              "], got ", k);
  const uint64_t seed = static_cast<uint64_t>(cfg.get_int("seed", 0));
  const auto splits = data::kfold(data.train.size(), k, seed, /*shuffle=*/true);
  train::LossFn loss = loss_from_config(cfg.get_table("loss"));
  CvResult out;
  std::vector<double> accs, losses;
  for (int64_t f = 0; f < k; ++f) {
    const data::TensorDataset tr = data.train.subset(splits[f].train);
    const data::TensorDataset va = data.train.subset(splits[f].val);
    auto net = make_model(cfg, data, seed + static_cast<uint64_t>(f));
    auto opt = optimizer_from_config(cfg.get_table("optimizer"), net->parameters());
    train::TrainerOptions o = trainer_options_from_config(cfg, data.input_shape);
    o.loader.seed = seed + static_cast<uint64_t>(f);
    if (f == 0) cfg.check_unused();
    const double t0 = train::now_seconds();
    train::Trainer trainer(o);
    train::History h = trainer.fit(*net, *opt, loss, tr, va);
    train::EvalResult r = train::evaluate(*net, va, loss, o.eval_batch_size);
    FoldResult fr;
    fr.fold = f + 1;
    fr.train_size = tr.size();
    fr.val_size = va.size();
    if (!h.epochs.empty()) {
      fr.train_loss = h.epochs.back().train_loss;
      fr.train_acc = h.epochs.back().train_acc;
    }
    fr.val_loss = r.loss;
    fr.val_acc = r.accuracy;
    fr.seconds = train::now_seconds() - t0;
    out.folds.push_back(fr);
    accs.push_back(fr.val_acc);
    losses.push_back(fr.val_loss);
    if (log != nullptr) {
      char line[200];
      std::snprintf(line, sizeof line,
                    "fold %lld/%lld  train %lld  val %lld  val_acc %.4f  val_loss %.4f  %.1f s",
                    static_cast<long long>(f + 1), static_cast<long long>(k),
                    static_cast<long long>(fr.train_size), static_cast<long long>(fr.val_size),
                    fr.val_acc, fr.val_loss, fr.seconds);
      *log << line << std::endl;
    }
  }
  std::tie(out.mean_acc, out.std_acc) = mean_std(accs);
  std::tie(out.mean_loss, out.std_loss) = mean_std(losses);
  return out;
}

}  // namespace nabla::recipe
