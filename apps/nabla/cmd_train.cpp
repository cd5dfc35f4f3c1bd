// nabla train CONFIG [--epochs N] [--out DIR] [--set k=v]... [--resume] [--force] [--threads N]
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "nabla/recipe/run.hpp"
#include "nabla/train/checkpoint.hpp"

namespace nabla::app {

CLI::App* add_train_command(CLI::App& app, TrainArgs& a) {
  auto* c =
      app.add_subcommand("train", "Train the model a TOML config describes; writes a run folder");
  c->add_option("config", a.config, "experiment config (TOML), e.g. configs/lenet_fashion.toml")
      ->required();
  c->add_option("--epochs", a.epochs, "number of epochs (overrides train.epochs)")
      ->check(int_range(0));
  c->add_option("--out", a.out, "run folder (default runs/<config name>)");
  c->add_option("--set", a.sets,
                "override a config value, e.g. --set optimizer.lr=0.01 (repeatable)")
      ->allow_extra_args(false);
  c->add_flag("--resume", a.resume,
              "continue the run folder's checkpoint (exactly, same seed and threads)");
  c->add_flag("--force", a.force, "overwrite an existing run folder");
  add_threads_option(c, a.threads);
  c->add_option("--max-steps", a.max_steps,
                "stop (with a checkpoint) after this many steps; for testing resume")
      ->check(int_range(0))
      ->group("");
  c->callback([] {});
  return c;
}

Outcome run_train_command(const TrainArgs& a, const Context& ctx) {
  if (a.resume && a.force)
    throw UsageError("train: --resume and --force contradict each other; pick one");
  if (a.resume) {
    try {
      recipe::check_resume_overrides(a.sets);
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
  }
  apply_threads(a.threads);
  recipe::TrainRunOptions o;
  o.config_path = a.config;
  o.overrides = a.sets;
  o.epochs = a.epochs;
  o.out_dir = a.out;
  o.resume = a.resume;
  o.force = a.force;
  o.progress = ctx.progress;
  o.stop_flag = ctx.stop_flag;
  o.max_steps = a.max_steps;
  recipe::TrainRunResult r = recipe::run_training(o);
  if (r.history.interrupted) {
    std::cerr << "stopped: checkpoint saved to "
              << train::join_path(r.run_dir, train::kCheckpointFile)
              << "; continue with: nabla train " << a.config << " --out " << r.run_dir
              << " --resume" << std::endl;
    return Outcome::Interrupted;
  }
  const auto& h = r.history;
  if (h.stopped_early) {
    std::cout << "early stopping after epoch " << h.epochs.back().epoch << "; best epoch "
              << h.best_epoch << " (val loss " << h.best_val_loss << ")"
              << (h.restored_best ? ", its weights restored" : "") << "\n";
  }
  char line[256];
  std::snprintf(line, sizeof line,
                "test accuracy %.4f  loss %.4f  (%lld images)  median epoch %.2f s  run %s",
                r.test.accuracy, r.test.loss, static_cast<long long>(r.test.count),
                r.median_epoch_seconds, r.run_dir.c_str());
  std::cout << line << std::endl;
  return Outcome::Ok;
}

}  // namespace nabla::app
