// nabla ensemble CONFIG --method bagging|boosting --members N: member and ensemble accuracy.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "nabla/io/atomic_file.hpp"
#include "nabla/io/config.hpp"
#include "nabla/recipe/ensemble.hpp"

namespace nabla::app {

CLI::App* add_ensemble_command(CLI::App& app, EnsembleArgs& a) {
  auto* c = app.add_subcommand(
      "ensemble", "Train a bagging or boosting (AdaBoost.SAMME) ensemble of small nets");
  c->add_option("config", a.config, "experiment config (TOML) for each member")->required();
  c->add_option("--method", a.method, "bagging or boosting")
      ->check(CLI::IsMember({"bagging", "boosting"}));
  c->add_option("--members", a.members, "number of members")
      ->check(CLI::Range(int64_t{1}, int64_t{1000}));
  c->add_option("--epochs", a.epochs, "epochs per member (overrides train.epochs)")
      ->check(int_range(0));
  c->add_option("--set", a.sets, "override a config value (repeatable)")->allow_extra_args(false);
  c->add_option("--out", a.out, "also write the member table as CSV to this file");
  add_threads_option(c, a.threads);
  return c;
}

Outcome run_ensemble_command(const EnsembleArgs& a, const Context&) {
  apply_threads(a.threads);
  io::Config cfg = io::load_config(a.config);
  cfg.apply_overrides(a.sets);
  if (a.epochs >= 0) cfg.set("train.epochs", std::to_string(a.epochs));
  recipe::EnsembleResult r = recipe::train_ensemble(cfg, a.method, a.members, &std::cerr);
  std::string csv =
      "member,member_acc,ensemble_acc,alpha,weighted_error,distinct_samples,seconds\n";
  for (const auto& m : r.members) {
    char line[200];
    std::snprintf(line, sizeof line, "%lld,%.4f,%.4f,%.4f,%.4f,%lld,%.1f\n",
                  static_cast<long long>(m.index), m.test_acc, m.ensemble_acc, m.alpha,
                  m.weighted_error, static_cast<long long>(m.distinct_samples), m.seconds);
    csv += line;
  }
  std::cout << csv;
  char line[240];
  std::snprintf(line, sizeof line,
                "%s of %zu members: ensemble test accuracy %.4f | members: mean %.4f, best %.4f",
                r.method.c_str(), r.members.size(), r.ensemble_acc, r.mean_member_acc,
                r.best_member_acc);
  std::cout << line << std::endl;
  if (!r.stop_reason.empty()) std::cout << r.stop_reason << std::endl;
  if (!a.out.empty()) io::write_file_atomic(a.out, csv);
  return Outcome::Ok;
}

}  // namespace nabla::app
