#include "nabla/recipe/ensemble.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <set>

#include "nabla/data/loader.hpp"
#include "nabla/data/split.hpp"
#include "nabla/recipe/experiment.hpp"
#include "nabla/recipe/stats.hpp"
#include "nabla/train/evaluate.hpp"

namespace nabla::recipe {

namespace {

// Softmax probabilities (N, C) of a whole dataset, as a flat row-major vector.
std::vector<float> dataset_proba(nn::Module& net, const data::TensorDataset& ds, int64_t batch) {
  std::vector<float> out;
  for (int64_t b = 0; b < ds.size(); b += batch) {
    std::vector<int64_t> idx;
    for (int64_t i = b; i < std::min(ds.size(), b + batch); ++i) idx.push_back(i);
    const auto p = train::predict_proba(net, ds.get_batch(idx).inputs).to_vector<float>();
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

std::vector<int64_t> argmax_flat(const std::vector<float>& scores, int64_t classes) {
  const int64_t n = static_cast<int64_t>(scores.size()) / classes;
  std::vector<int64_t> out(n);
  for (int64_t i = 0; i < n; ++i) {
    const float* r = scores.data() + i * classes;
    out[i] = std::max_element(r, r + classes) - r;
  }
  return out;
}

double accuracy(const std::vector<int64_t>& pred, const std::vector<int64_t>& target) {
  int64_t ok = 0;
  for (size_t i = 0; i < pred.size(); ++i) ok += pred[i] == target[i];
  return pred.empty() ? train::kNaN : static_cast<double>(ok) / static_cast<double>(pred.size());
}

// Boosting (SAMME): the member's weighted training error sets its vote alpha and re-weights the
// samples it got wrong. Returns false, with the reason in res.stop_reason, when the member is no
// better than chance (boosting stops; the member is not added).
bool boost_member(const std::vector<int64_t>& train_pred, const std::vector<int64_t>& targets,
                  int64_t classes, int64_t m, std::vector<double>& w, MemberResult& mr,
                  EnsembleResult& res, std::ostream* log) {
  const auto n = static_cast<int64_t>(w.size());
  double err = 0, wsum = 0;
  for (int64_t i = 0; i < n; ++i) {
    wsum += w[i];
    if (train_pred[i] != targets[i]) err += w[i];
  }
  err /= wsum;
  mr.weighted_error = err;
  if (err >= 1.0 - 1.0 / static_cast<double>(classes)) {
    res.stop_reason = "member " + std::to_string(m + 1) +
                      " is no better than chance on the weighted data (error " +
                      std::to_string(err) + "); boosting stops";
    if (log != nullptr) *log << res.stop_reason << std::endl;
    return false;
  }
  // A perfect member would get an infinite vote; cap it (it then dominates anyway).
  const double e = std::max(err, 1e-10);
  mr.alpha = std::log((1 - e) / e) + std::log(static_cast<double>(classes - 1));
  for (int64_t i = 0; i < n; ++i)
    if (train_pred[i] != targets[i]) w[i] *= std::exp(mr.alpha);
  double s = 0;
  for (double v : w) s += v;
  for (double& v : w) v /= s;
  return true;
}

void log_member(std::ostream* log, const std::string& method, const MemberResult& mr,
                int64_t members, int64_t n) {
  if (log == nullptr) return;
  char line[220];
  if (method == "bagging")
    std::snprintf(line, sizeof line,
                  "member %lld/%lld  distinct samples %lld/%lld  member acc %.4f  ensemble acc "
                  "%.4f  %.1f s",
                  static_cast<long long>(mr.index), static_cast<long long>(members),
                  static_cast<long long>(mr.distinct_samples), static_cast<long long>(n),
                  mr.test_acc, mr.ensemble_acc, mr.seconds);
  else
    std::snprintf(line, sizeof line,
                  "member %lld/%lld  weighted error %.4f  alpha %.3f  member acc %.4f  "
                  "ensemble acc %.4f  %.1f s",
                  static_cast<long long>(mr.index), static_cast<long long>(members),
                  mr.weighted_error, mr.alpha, mr.test_acc, mr.ensemble_acc, mr.seconds);
  *log << line << std::endl;
}

// One member trained on the samples `idx` with the config's recipe and its own seed. The first
// member rejects keys nobody read before it trains (all members read the same ones).
std::shared_ptr<nn::Module> train_member(const io::Config& cfg, const ExperimentData& data,
                                         const train::LossFn& loss, const std::vector<int64_t>& idx,
                                         uint64_t seed, bool first, int64_t& eval_batch) {
  auto net = make_model(cfg, data, seed);
  auto opt = optimizer_from_config(cfg.get_table("optimizer"), net->parameters());
  train::TrainerOptions o = trainer_options_from_config(cfg, data.input_shape);
  o.loader.seed = seed;
  eval_batch = o.eval_batch_size;
  if (first) cfg.check_unused();
  train::Trainer trainer(o);
  trainer.fit(*net, *opt, loss, data.train.subset(idx));
  return net;
}

}  // namespace

EnsembleResult train_ensemble(const io::Config& cfg, const std::string& method, int64_t members,
                              std::ostream* log) {
  NABLA_CHECK(method == "bagging" || method == "boosting", "ensemble",
              "method must be \"bagging\" or \"boosting\", got '", method, "'");
  NABLA_CHECK(members >= 1, "ensemble", "members must be >= 1, got ", members);
  const ExperimentData data = load_experiment_data(cfg);
  const uint64_t seed = static_cast<uint64_t>(cfg.get_int("seed", 0));
  const train::LossFn loss = loss_from_config(cfg.get_table("loss"));
  const int64_t n = data.train.size(), classes = data.num_classes;
  const std::vector<int64_t> test_targets = data.test.all().targets.to_vector<int64_t>();
  const std::vector<int64_t> train_targets = data.train.all().targets.to_vector<int64_t>();

  EnsembleResult res;
  res.method = method;
  std::vector<float> combined(test_targets.size() * classes, 0.f);  // summed probabilities or votes
  std::vector<double> w(n, 1.0 / static_cast<double>(n));           // boosting sample weights
  std::vector<double> accs;
  Generator gen(data::mix_seed(seed, 0xba99ed));

  for (int64_t m = 0; m < members; ++m) {
    const double t0 = train::now_seconds();
    std::vector<int64_t> idx =
        method == "bagging" ? data::bootstrap(n, gen).in_bag : data::weighted_sample(w, n, gen);
    int64_t eval_batch = 0;
    auto net =
        train_member(cfg, data, loss, idx, seed + 1 + static_cast<uint64_t>(m), m == 0, eval_batch);

    MemberResult mr;
    mr.index = m + 1;
    mr.distinct_samples = static_cast<int64_t>(std::set<int64_t>(idx.begin(), idx.end()).size());
    const std::vector<float> p = dataset_proba(*net, data.test, eval_batch);
    const std::vector<int64_t> pred = argmax_flat(p, classes);
    mr.test_acc = accuracy(pred, test_targets);
    if (method == "bagging") {
      for (size_t i = 0; i < p.size(); ++i) combined[i] += p[i];
    } else {
      const auto tp = argmax_flat(dataset_proba(*net, data.train, eval_batch), classes);
      if (!boost_member(tp, train_targets, classes, m, w, mr, res, log)) break;
      for (size_t i = 0; i < pred.size(); ++i)
        combined[i * classes + pred[i]] += static_cast<float>(mr.alpha);
    }
    mr.ensemble_acc = accuracy(argmax_flat(combined, classes), test_targets);
    mr.seconds = train::now_seconds() - t0;
    accs.push_back(mr.test_acc);
    res.members.push_back(mr);
    log_member(log, method, mr, members, n);
    if (method == "boosting" && mr.weighted_error <= 0) {
      res.stop_reason =
          "member " + std::to_string(m + 1) + " fits the weighted data perfectly; boosting stops";
      break;
    }
  }
  if (!res.members.empty()) {
    res.ensemble_acc = res.members.back().ensemble_acc;
    res.mean_member_acc = mean_std(accs).first;
    res.best_member_acc = *std::max_element(accs.begin(), accs.end());
  }
  return res;
}

}  // namespace nabla::recipe
