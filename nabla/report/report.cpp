#include "nabla/report/report.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "nabla/data/image.hpp"
#include "nabla/ops/shape.hpp"
#include "nabla/recipe/run.hpp"
#include "nabla/report/html.hpp"
#include "nabla/report/plot.hpp"
#include "nabla/train/checkpoint.hpp"
#include "nabla/train/metrics_csv.hpp"

namespace nabla::report {

namespace {

// One test image as a PNG data URI, stretched to [0, 1] (inputs may be standardised).
std::string image_uri(const data::TensorDataset& ds, int64_t i) {
  Tensor x = ds.get_batch({i}).inputs.select(0, 0).contiguous();
  std::vector<float> v = x.to_vector<float>();
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  const float a = *lo, b = *hi > *lo ? *hi : *lo + 1;
  for (float& f : v) f = (f - a) / (b - a);
  return html::png_data_uri(data::encode_png(Tensor::from_vector(v, x.shape()), 3));
}

std::string name_of(const recipe::LoadedRun& run, int64_t c) {
  return c >= 0 && c < static_cast<int64_t>(run.class_names.size()) ? run.class_names[c]
                                                                    : std::to_string(c);
}

std::string cell(const recipe::LoadedRun& run, const data::TensorDataset& test,
                 const train::EvalResult& r, int64_t i) {
  const bool ok = r.predictions[i] == r.targets[i];
  std::ostringstream os;
  os << "<div class=\"cell" << (ok ? "" : " bad") << "\"><img alt=\"test image " << i << "\" src=\""
     << image_uri(test, i) << "\"><div class=\"lbl\">"
     << html::escape(name_of(run, r.predictions[i])) << " " << html::num(r.confidence[i], "%.2f")
     << "</div><div>true: " << html::escape(name_of(run, r.targets[i])) << "</div></div>";
  return os.str();
}

std::string curves(const std::vector<train::EpochMetrics>& ms) {
  if (ms.empty()) return "<p>No completed epochs in metrics.csv.</p>";
  std::vector<double> ep, tl, vl, ta, va, lr;
  for (const auto& m : ms) {
    ep.push_back(static_cast<double>(m.epoch));
    tl.push_back(m.train_loss), vl.push_back(m.val_loss), ta.push_back(m.train_acc),
        va.push_back(m.val_acc);
    lr.push_back(m.lr);
  }
  const std::string style = ms.size() < 30 ? "linespoints" : "lines";
  std::string out = "<div class=\"charts\">";
  out +=
      plot::inline_svg(plot::line_chart({{"train", ep, tl, style}, {"validation", ep, vl, style}},
                                        {.title = "Loss", .xlabel = "epoch", .ylabel = "loss"}),
                       "loss_");
  out += plot::inline_svg(
      plot::line_chart({{"train", ep, ta, style}, {"validation", ep, va, style}},
                       {.title = "Accuracy", .xlabel = "epoch", .ylabel = "accuracy"}),
      "acc_");
  const bool lr_varies =
      *std::max_element(lr.begin(), lr.end()) > *std::min_element(lr.begin(), lr.end());
  if (lr_varies)
    out += plot::inline_svg(plot::line_chart({{"learning rate", ep, lr, style}},
                                             {.title = "Learning rate (last step of each epoch)",
                                              .xlabel = "epoch",
                                              .ylabel = "lr"}),
                            "lr_");
  return out + "</div>\n";
}

std::string confusion_table(const recipe::LoadedRun& run, const train::EvalResult& r) {
  const int64_t c = r.num_classes;
  int64_t max_off = 1;
  for (int64_t t = 0; t < c; ++t)
    for (int64_t p = 0; p < c; ++p)
      if (t != p) max_off = std::max(max_off, r.confusion[t * c + p]);
  std::ostringstream os;
  os << "<table class=\"cm\"><tr><th>true \\ predicted</th>";
  for (int64_t p = 0; p < c; ++p) os << "<th>" << html::escape(name_of(run, p)) << "</th>";
  os << "<th>recall</th></tr>\n";
  for (int64_t t = 0; t < c; ++t) {
    int64_t row = 0;
    for (int64_t p = 0; p < c; ++p) row += r.confusion[t * c + p];
    os << "<tr><th>" << html::escape(name_of(run, t)) << "</th>";
    for (int64_t p = 0; p < c; ++p) {
      const int64_t v = r.confusion[t * c + p];
      // green diagonal, red off-diagonal, intensity by count
      const double a =
          t == p ? (row ? static_cast<double>(v) / row : 0) : static_cast<double>(v) / max_off;
      char bg[64];
      if (t == p)
        std::snprintf(bg, sizeof bg, "rgba(40,160,60,%.2f)", 0.15 + 0.6 * a);
      else
        std::snprintf(bg, sizeof bg, "rgba(220,40,40,%.2f)", 0.7 * a);
      os << "<td style=\"background:" << bg << "\">" << v << "</td>";
    }
    os << "<td>" << html::num(row ? static_cast<double>(r.confusion[t * c + t]) / row : NAN)
       << "</td></tr>\n";
  }
  os << "</table>\n";
  return os.str();
}

std::string epochs_table(const std::vector<train::EpochMetrics>& ms) {
  std::ostringstream os;
  os << "<table><tr><th>epoch</th><th>train loss</th><th>train acc</th><th>val loss</th><th>val "
        "acc</th>"
        "<th>gap (val-train loss)</th><th>lr</th><th>train s</th><th>eval "
        "s</th><th>images/s</th></tr>\n";
  for (const auto& m : ms) {
    os << "<tr><td>" << m.epoch << "</td><td>" << html::num(m.train_loss) << "</td><td>"
       << html::num(m.train_acc) << "</td><td>" << html::num(m.val_loss) << "</td><td>"
       << html::num(m.val_acc) << "</td><td>" << html::num(m.gap(), "%+.4f") << "</td><td>"
       << html::num(m.lr, "%.3g") << "</td><td>" << html::num(m.seconds, "%.2f") << "</td><td>"
       << html::num(m.eval_seconds, "%.2f") << "</td><td>" << html::num(m.images_per_s, "%.0f")
       << "</td></tr>\n";
  }
  return os.str() + "</table>\n";
}

}  // namespace

std::string write_report(const std::string& run_dir, const ReportOptions& opt) {
  recipe::LoadedRun run = recipe::load_run(run_dir);
  recipe::ExperimentData data = recipe::load_run_data(run);
  const double t0 = train::now_seconds();
  train::EvalResult r = train::evaluate(*run.net, data.test, run.loss);
  const double eval_s = train::now_seconds() - t0;
  NABLA_CHECK(r.num_classes > 0, "report",
              "the run's model is not a classifier over class-index targets");

  std::vector<train::EpochMetrics> ms;
  const std::string metrics_path = train::join_path(run_dir, train::kMetricsFile);
  if (train::file_exists(metrics_path)) ms = train::read_metrics_csv(metrics_path);
  nlohmann::json summary;
  const std::string summary_path = train::join_path(run_dir, recipe::kSummaryFile);
  if (train::file_exists(summary_path)) {
    try {
      summary = nlohmann::json::parse(recipe::read_file(summary_path));
    } catch (const nlohmann::json::exception& e) {
      throw IoError(summary_path + ": corrupt (" + e.what() + ")");
    }
  }

  std::ostringstream b;
  b << "<h2>Summary</h2><table>\n";
  b << "<tr><th>test accuracy</th><td>" << html::num(r.accuracy) << "</td></tr>\n";
  b << "<tr><th>test loss (the training loss function)</th><td>" << html::num(r.loss)
    << "</td></tr>\n";
  b << "<tr><th>test images</th><td>" << r.count << "</td></tr>\n";
  b << "<tr><th>model</th><td>" << html::escape(run.cfg.get_string("model.name", "")) << ", "
    << run.net->num_parameters() << " parameters</td></tr>\n";
  b << "<tr><th>epochs run</th><td>" << ms.size() << "</td></tr>\n";
  if (summary.is_object()) {
    b << "<tr><th>best epoch (val loss)</th><td>" << summary.value("best_epoch", 0)
      << "</td></tr>\n";
    const bool stopped = summary.value("stopped_early", false);
    b << "<tr><th>early stopping</th><td>"
      << (stopped ? std::string("stopped early") +
                        (summary.value("restored_best", false) ? ", best weights restored" : "")
                  : std::string("did not fire (all epochs ran)"))
      << "</td></tr>\n";
    b << "<tr><th>median epoch time</th><td>"
      << html::num(summary.value("median_epoch_seconds", NAN), "%.2f") << " s ("
      << summary.value("threads", 0) << " threads)</td></tr>\n";
  }
  b << "<tr><th>weights</th><td>" << html::escape(run.weights_path) << "</td></tr>\n";
  b << "<tr><th>report evaluation</th><td>" << html::num(eval_s, "%.2f") << " s</td></tr>\n";
  b << "<tr><th>validation</th><td>"
    << (data.val_is_test ? "the test set (no model selection on it)"
                         : "held-out part of the training set")
    << "</td></tr>\n</table>\n";

  b << "<h2>Training curves</h2>\n" << curves(ms);
  b << "<h2>Confusion matrix (test set)</h2>\n" << confusion_table(run, r);

  b << "<h2>Test samples: predicted (probability) and true label</h2>\n<div class=\"grid\">";
  for (int64_t i = 0; i < std::min<int64_t>(opt.samples, r.count); ++i)
    b << cell(run, data.test, r, i);
  b << "</div>\n";

  std::vector<int64_t> wrong;
  for (int64_t i = 0; i < r.count; ++i)
    if (r.predictions[i] != r.targets[i]) wrong.push_back(i);
  std::sort(wrong.begin(), wrong.end(),
            [&](int64_t a, int64_t c) { return r.true_prob[a] < r.true_prob[c]; });
  b << "<h2>Worst mistakes (" << wrong.size()
    << " wrong in total; lowest probability on the true class first)</h2>\n"
    << "<div class=\"grid\">";
  for (size_t k = 0; k < std::min<size_t>(opt.mistakes, wrong.size()); ++k)
    b << cell(run, data.test, r, wrong[k]);
  b << "</div>\n";

  b << "<h2>Per-epoch metrics and timings</h2>\n" << epochs_table(ms);
  b << "<h2>Config</h2>\n<pre>" << html::escape(run.cfg.to_toml()) << "</pre>\n";
  b << "<p style=\"font-size:11px;color:#777\">Charts: "
    << (plot::gnuplot_available() ? "gnuplot (svg terminal)" : "built-in SVG")
    << ". Written by nabla report.</p>\n";

  const std::string out = opt.out.empty() ? train::join_path(run_dir, "report.html") : opt.out;
  io::write_file_atomic(out, html::page("nabla report: " + run_dir, b.str()));
  return out;
}

}  // namespace nabla::report
