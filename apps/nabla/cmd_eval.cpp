// nabla eval RUN: the run's model on its test set: accuracy, loss and per-class accuracy.
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "nabla/recipe/run.hpp"
#include "nabla/train/evaluate.hpp"

namespace nabla::app {

CLI::App* add_eval_command(CLI::App& app, EvalArgs& a) {
  auto* c = app.add_subcommand("eval", "Evaluate a run's model on the test set");
  c->add_option("run", a.run, "run folder written by `nabla train`")->required();
  add_threads_option(c, a.threads);
  return c;
}

Outcome run_eval_command(const EvalArgs& a, const Context&) {
  apply_threads(a.threads);
  recipe::LoadedRun run = recipe::load_run(a.run);
  recipe::ExperimentData data = recipe::load_run_data(run);
  const double t0 = train::now_seconds();
  train::EvalResult r = train::evaluate(*run.net, data.test, run.loss);
  const double secs = train::now_seconds() - t0;
  char line[256];
  std::snprintf(line, sizeof line,
                "test accuracy %.4f  loss %.4f  (%lld images, %.2f s, %.0f images/s)  weights %s",
                r.accuracy, r.loss, static_cast<long long>(r.count), secs,
                r.count / std::max(secs, 1e-9), run.weights_path.c_str());
  std::cout << line << "\n";
  const int64_t c = r.num_classes;
  for (int64_t k = 0; k < c; ++k) {
    int64_t total = 0;
    for (int64_t p = 0; p < c; ++p) total += r.confusion[k * c + p];
    const std::string name =
        k < static_cast<int64_t>(run.class_names.size()) ? run.class_names[k] : std::to_string(k);
    std::snprintf(line, sizeof line, "  %-12s %.4f  (%lld images)", name.c_str(),
                  total ? static_cast<double>(r.confusion[k * c + k]) / total : 0.0,
                  static_cast<long long>(total));
    std::cout << line << "\n";
  }
  return Outcome::Ok;
}

}  // namespace nabla::app
