// nabla report RUN [--out FILE] [--samples N]: a self-contained HTML report of a run
// (classification or segmentation: report.cpp tells them apart by segment.json).
#include <iostream>
#include <string>

#include "commands.hpp"
#include "nabla/report/report.hpp"

namespace nabla::app {

CLI::App* add_report_command(CLI::App& app, ReportArgs& a) {
  auto* c = app.add_subcommand(
      "report",
      "Write RUN/report.html: curves, confusion matrix, samples, worst mistakes, heatmap "
      "(a segmentation run: IoU per class, true and predicted masks)");
  c->add_option("run", a.run, "run folder written by `nabla train` or `nabla segment train`")
      ->required();
  c->add_option("--out", a.out, "output file (default RUN/report.html)");
  c->add_option("--samples", a.samples,
                "test images (default 32) or scenes (default 8) in the sample grid")
      ->check(CLI::Range(0, 1000));
  return c;
}

Outcome run_report_command(const ReportArgs& a, const Context&) {
  report::ReportOptions o;
  o.out = a.out;
  o.samples = a.samples;
  const std::string path =
      report::write_report(a.run, o);  // before printing: an error prints nothing else
  std::cout << "wrote " << path << std::endl;
  return Outcome::Ok;
}

}  // namespace nabla::app
