// nabla cv CONFIG --folds K: K-fold cross-validation, per-fold and mean +/- std accuracy.
#include <cstdio>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "nabla/io/atomic_file.hpp"
#include "nabla/io/config.hpp"
#include "nabla/recipe/cv.hpp"

namespace nabla::app {

CLI::App* add_cv_command(CLI::App& app, CvArgs& a) {
  auto* c = app.add_subcommand("cv", "K-fold cross-validation of a config on its training set");
  c->add_option("config", a.config, "experiment config (TOML)")->required();
  c->add_option("--folds", a.folds, "number of folds K (>= 2)")
      ->check(CLI::Range(int64_t{2}, int64_t{1000}));
  c->add_option("--epochs", a.epochs, "epochs per fold (overrides train.epochs)")
      ->check(int_range(0));
  c->add_option("--set", a.sets, "override a config value, e.g. --set train.epochs=2 (repeatable)")
      ->allow_extra_args(false);
  c->add_option("--out", a.out, "also write the per-fold table as CSV to this file");
  add_threads_option(c, a.threads);
  return c;
}

Outcome run_cv_command(const CvArgs& a, const Context&) {
  apply_threads(a.threads);
  io::Config cfg = io::load_config(a.config);
  cfg.apply_overrides(a.sets);
  if (a.epochs >= 0) cfg.set("train.epochs", std::to_string(a.epochs));
  recipe::CvResult r = recipe::cross_validate(cfg, a.folds, &std::cerr);
  std::cout << "fold,train_size,val_size,train_acc,val_acc,val_loss,seconds\n";
  std::string csv = "fold,train_size,val_size,train_acc,val_acc,val_loss,seconds\n";
  for (const auto& f : r.folds) {
    char line[200];
    std::snprintf(line, sizeof line, "%lld,%lld,%lld,%.4f,%.4f,%.4f,%.1f\n",
                  static_cast<long long>(f.fold), static_cast<long long>(f.train_size),
                  static_cast<long long>(f.val_size), f.train_acc, f.val_acc, f.val_loss,
                  f.seconds);
    std::cout << line;
    csv += line;
  }
  char line[200];
  std::snprintf(
      line, sizeof line,
      "%lld-fold cross-validation: accuracy %.4f +/- %.4f, loss %.4f +/- %.4f (mean +/- std)",
      static_cast<long long>(r.folds.size()), r.mean_acc, r.std_acc, r.mean_loss, r.std_loss);
  std::cout << line << std::endl;
  if (!a.out.empty()) io::write_file_atomic(a.out, csv);
  return Outcome::Ok;
}

}  // namespace nabla::app
