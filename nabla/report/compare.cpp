#include "nabla/report/compare.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nabla/core/error.hpp"
#include "nabla/io/config.hpp"
#include "nabla/recipe/run.hpp"
#include "nabla/report/html.hpp"
#include "nabla/report/plot.hpp"
#include "nabla/train/checkpoint.hpp"
#include "nabla/train/metrics_csv.hpp"

namespace nabla::report {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

json read_json(const std::string& path) {
  try {
    return json::parse(recipe::read_file(path));
  } catch (const json::exception& e) {
    throw IoError(path + ": corrupt (" + e.what() + ")");
  }
}

// The quantity each chart plots, and the x axes it is plotted against.
struct Metric {
  const char* title;
  const char* ylabel;
  double train::EpochMetrics::*field;
};
enum class XAxis { Epoch, Images, Seconds };

std::vector<double> x_values(const ComparedRun& r, XAxis axis) {
  std::vector<double> x;
  double seconds = 0;
  for (const auto& m : r.epochs) {
    seconds += m.seconds;  // training loop only: evaluation time would favour fewer epochs
    if (axis == XAxis::Epoch)
      x.push_back(static_cast<double>(m.epoch));
    else if (axis == XAxis::Images)
      x.push_back(static_cast<double>(m.epoch) * static_cast<double>(r.train_size) / 1000.0);
    else
      x.push_back(seconds);
  }
  return x;
}

std::string charts(const std::vector<ComparedRun>& runs) {
  const Metric metrics[] = {{"Validation loss", "loss", &train::EpochMetrics::val_loss},
                            {"Validation accuracy", "accuracy", &train::EpochMetrics::val_acc},
                            {"Training loss", "loss", &train::EpochMetrics::train_loss}};
  const std::pair<XAxis, const char*> axes[] = {{XAxis::Epoch, "epoch"},
                                                {XAxis::Images, "training images seen (thousands)"},
                                                {XAxis::Seconds, "training seconds (cumulative)"}};
  std::string out;
  int id = 0;
  for (const auto& [axis, xlabel] : axes) {
    out += std::string("<h3>Against ") + xlabel + "</h3>\n<div class=\"charts\">";
    for (const Metric& metric : metrics) {
      std::vector<plot::Series> series;
      for (const auto& r : runs) {
        std::vector<double> y;
        for (const auto& m : r.epochs) y.push_back(m.*metric.field);
        series.push_back(
            {r.label(), x_values(r, axis), y, r.epochs.size() < 30 ? "linespoints" : "lines"});
      }
      // wider than the default: the legend (run names) sits outside the plot area
      plot::ChartOptions o{
          .title = metric.title, .xlabel = xlabel, .ylabel = metric.ylabel, .width = 720};
      out += plot::inline_svg(plot::line_chart(series, o), "cmp" + std::to_string(id++) + "_");
    }
    out += "</div>\n";
  }
  return out;
}

std::string runs_table(const std::vector<ComparedRun>& runs) {
  std::ostringstream os;
  os << "<table><tr><th>run</th><th>config (model)</th><th>batch "
        "size</th><th>optimizer</th><th>lr</th>"
        "<th>epochs</th><th>train images</th><th>final val acc</th><th>best val acc (epoch)</th>"
        "<th>test acc</th><th>training s</th></tr>\n";
  for (const auto& r : runs) {
    double best = train::kNaN, seconds = 0;
    int64_t best_epoch = 0;
    for (const auto& m : r.epochs) {
      seconds += m.seconds;
      if (!std::isnan(m.val_acc) && (std::isnan(best) || m.val_acc > best))
        best = m.val_acc, best_epoch = m.epoch;
    }
    const double last = r.epochs.empty() ? train::kNaN : r.epochs.back().val_acc;
    os << "<tr><td>" << html::escape(r.dir) << "</td><td>" << html::escape(r.config_name)
       << "</td><td>"
       << (r.batch_size <= 0 ? std::string("full (") + std::to_string(r.train_size) + ")"
                             : std::to_string(r.batch_size))
       << "</td><td>" << html::escape(r.optimizer) << "</td><td>" << html::num(r.lr, "%.4g")
       << "</td><td>" << r.epochs.size() << "</td><td>" << r.train_size << "</td><td>"
       << html::num(last) << "</td><td>" << html::num(best) << " (" << best_epoch << ")</td><td>"
       << (std::isnan(r.test_accuracy) ? std::string("n/a (unfinished)")
                                       : html::num(r.test_accuracy))
       << "</td><td>" << html::num(seconds, "%.2f") << "</td></tr>\n";
  }
  return os.str() + "</table>\n";
}

}  // namespace

std::string ComparedRun::label() const {
  return name + (batch_size <= 0 ? std::string(" (full batch)")
                                 : " (batch " + std::to_string(batch_size) + ")");
}

ComparedRun load_compared_run(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw IoError(dir + ": not a run folder (no such directory)");
  ComparedRun r;
  r.dir = dir;
  fs::path p = fs::path(dir).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();  // "runs/a/" names a
  r.name = p.filename().string();
  for (const char* f : {train::kConfigFile, recipe::kRunInfoFile, train::kMetricsFile})
    if (!train::file_exists(train::join_path(dir, f)))
      throw IoError(dir + ": not a run folder (missing " + f +
                    "); make one with `nabla train CONFIG --out " + dir + "`");
  io::Config cfg = io::load_config(train::join_path(dir, train::kConfigFile));
  r.config_name = cfg.get_string("model.name", "");
  r.batch_size = cfg.get_int("train.batch_size", 0);
  r.optimizer = cfg.get_string("optimizer.name", "");
  r.lr = cfg.get_double("optimizer.lr", train::kNaN);
  const std::string info_path = train::join_path(dir, recipe::kRunInfoFile);
  try {
    r.train_size = read_json(info_path).at("train_size").get<int64_t>();
  } catch (const json::exception& e) {
    throw IoError(info_path + ": corrupt run info (" + e.what() + ")");
  }
  r.epochs = train::read_metrics_csv(train::join_path(dir, train::kMetricsFile));
  const std::string summary_path = train::join_path(dir, recipe::kSummaryFile);
  if (train::file_exists(summary_path)) {
    const json s = read_json(summary_path);
    if (s.is_object() && s.contains("test_accuracy") && s["test_accuracy"].is_number())
      r.test_accuracy = s["test_accuracy"].get<double>();
  }
  return r;
}

std::string write_compare(const std::vector<std::string>& run_dirs, const std::string& out) {
  NABLA_CHECK(run_dirs.size() >= 2, "compare", "at least 2 run folders, got ", run_dirs.size());
  std::vector<ComparedRun> runs;
  for (const auto& d : run_dirs) runs.push_back(load_compared_run(d));

  std::ostringstream b;
  b << "<p>One series per run. Images seen = epoch &times; training images per epoch (run.json); "
       "seconds count the "
       "training loops only (not validation).</p>\n";
  b << "<h2>Runs</h2>\n" << runs_table(runs);
  b << "<h2>Curves</h2>\n" << charts(runs);
  b << "<p style=\"font-size:11px;color:#777\">Charts: "
    << (plot::gnuplot_available() ? "gnuplot (svg terminal)" : "built-in SVG")
    << ". Written by nabla compare.</p>\n";

  const std::string path = out.empty() ? train::join_path("runs", "compare.html") : out;
  const fs::path parent = fs::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty()) fs::create_directories(parent, ec);
  std::string title = "nabla compare:";
  for (const auto& r : runs) title += " " + r.name;
  io::write_file_atomic(path, html::page(title, b.str()));
  return path;
}

}  // namespace nabla::report
