// nabla compare RUN... [--out FILE]: one HTML page overlaying several runs' curves.
#include <iostream>

#include "commands.hpp"
#include "nabla/report/compare.hpp"

namespace nabla::app {

CLI::App* add_compare_command(CLI::App& app, CompareArgs& a) {
  auto* c = app.add_subcommand(
      "compare",
      "Write one HTML page overlaying runs' loss/accuracy curves (vs epoch, images seen, seconds)");
  c->add_option("runs", a.runs, "two or more run folders written by `nabla train`")
      ->required()
      ->expected(2, -1);
  c->add_option("--out", a.out, "output file (default runs/compare.html)");
  return c;
}

Outcome run_compare_command(const CompareArgs& a, const Context&) {
  const std::string path = report::write_compare(a.runs, a.out);  // before any output: it may throw
  std::cout << "wrote " << path << std::endl;
  return Outcome::Ok;
}

}  // namespace nabla::app
