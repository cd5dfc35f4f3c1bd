// nabla list [KIND] [--markdown]: what a config may name (datasets, models, layers, inits,
// optimizers, schedules, losses), printed from the registries themselves, with each entry's keys.
#include <iostream>

#include "commands.hpp"
#include "nabla/recipe/describe.hpp"

namespace nabla::app {

CLI::App* add_list_command(CLI::App& app, ListArgs& a) {
  std::string kinds;
  for (const auto& [name, listing] : recipe::registry_kinds())
    kinds += (kinds.empty() ? "" : ", ") + name;
  auto* c = app.add_subcommand(
      "list", "List what a config can name: layer types, models, optimizers, losses, ...");
  c->add_option("kind", a.kind, "one of: " + kinds + " (default: all)");
  c->add_flag("--markdown", a.markdown, "Markdown tables (for docs)");
  return c;
}

Outcome run_list_command(const ListArgs& a, const Context&) {
  std::cout << recipe::describe_registries(
      a.kind, a.markdown ? recipe::ListFormat::Markdown : recipe::ListFormat::Text);
  return Outcome::Ok;
}

}  // namespace nabla::app
