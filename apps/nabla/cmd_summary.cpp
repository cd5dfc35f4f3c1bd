// nabla summary CONFIG [--set k=v]...: the config's model layer by layer (output shape,
// parameters, FLOPs) and its totals, without training. The whole config is read and checked as
// `nabla train` would (a typo anywhere is an error), and the data is loaded for its image size
// and class count.
#include <iostream>

#include "commands.hpp"
#include "nabla/recipe/experiment.hpp"

namespace nabla::app {

CLI::App* add_summary_command(CLI::App& app, SummaryArgs& a) {
  auto* c = app.add_subcommand(
      "summary", "Print a config's model: each layer's output shape, parameters and FLOPs");
  c->add_option("config", a.config, "experiment config (TOML), e.g. configs/resnet_fashion.toml")
      ->required();
  c->add_option("--set", a.sets,
                "override a config value, e.g. --set model.layers[0].out=16 (repeatable)")
      ->allow_extra_args(false);
  return c;
}

Outcome run_summary_command(const SummaryArgs& a, const Context&) {
  io::Config cfg = io::load_config(a.config);
  cfg.apply_overrides(a.sets);
  const recipe::Experiment e = recipe::make_experiment(cfg);
  std::cout << recipe::format_summary(e.summary) << std::flush;
  return Outcome::Ok;
}

}  // namespace nabla::app
