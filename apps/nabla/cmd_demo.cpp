// nabla demo optimizers|activations [--out FILE]: the notes' pictures as an HTML page, and the
// numbers behind them on stdout.
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "nabla/demo/demo.hpp"
#include "nabla/recipe/run.hpp"

namespace nabla::app {

CLI::App* add_demo_command(CLI::App& app, DemoArgs& a) {
  auto* c =
      app.add_subcommand("demo", "Pictures of the notes' concepts: optimizer paths or activations");
  c->add_option("what", a.what, "optimizers or activations")
      ->required()
      ->check(CLI::IsMember({"optimizers", "activations"}));
  c->add_option("--out", a.out, "HTML file to write (default runs/demo_<what>.html)");
  return c;
}

Outcome run_demo_command(const DemoArgs& a, const Context&) {
  // Default beside the run folders (ignored by git), not littering the working directory.
  const std::string out = a.out.empty() ? "runs/demo_" + a.what + ".html" : a.out;
  const auto parent = std::filesystem::path(out).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (a.what == "optimizers") {
    auto surfaces = demo::run_optimizer_demo();
    std::cout << demo::optimizer_demo_table(surfaces);
    io::write_file_atomic(out, demo::optimizer_demo_html(surfaces));
  } else {
    auto curves = demo::run_activation_demo();
    std::cout << demo::activation_demo_table(curves);
    io::write_file_atomic(out, demo::activation_demo_html(curves));
  }
  std::cout << "wrote " << out << std::endl;
  return Outcome::Ok;
}

}  // namespace nabla::app
