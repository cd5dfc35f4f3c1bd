#include "nabla/report/report.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "nabla/data/image.hpp"
#include "nabla/ops/shape.hpp"
#include "nabla/recipe/run.hpp"
#include "nabla/recipe/segment.hpp"
#include "nabla/report/heatmap_section.hpp"
#include "nabla/report/html.hpp"
#include "nabla/report/sections.hpp"
#include "nabla/report/segment_report.hpp"
#include "nabla/train/checkpoint.hpp"
#include "nabla/train/metrics_csv.hpp"

namespace nabla::report {

namespace {

constexpr int64_t kDefaultSamples = 32;

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

std::vector<std::string> class_names(const recipe::LoadedRun& run, int64_t count) {
  std::vector<std::string> names;
  for (int64_t c = 0; c < count; ++c) names.push_back(name_of(run, c));
  return names;
}

std::string summary_table(const recipe::LoadedRun& run, const recipe::ExperimentData& data,
                          const train::EvalResult& r, const std::vector<train::EpochMetrics>& ms,
                          double eval_s) {
  const RunSummary summary = read_run_summary(run.dir);
  std::ostringstream b;
  b << "<h2>Summary</h2><table>\n";
  b << "<tr><th>test accuracy</th><td>" << html::num(r.accuracy) << "</td></tr>\n";
  b << "<tr><th>test loss (the training loss function)</th><td>" << html::num(r.loss)
    << "</td></tr>\n";
  b << "<tr><th>test images</th><td>" << r.count << "</td></tr>\n";
  b << "<tr><th>model</th><td>" << html::escape(run.cfg.get_string("model.name", "")) << ", "
    << run.net->num_parameters() << " parameters</td></tr>\n";
  b << "<tr><th>epochs run</th><td>" << ms.size() << "</td></tr>\n";
  if (summary.present) {
    b << "<tr><th>best epoch (val loss)</th><td>" << summary.best_epoch << "</td></tr>\n";
    b << "<tr><th>early stopping</th><td>"
      << (summary.stopped_early ? std::string("stopped early") +
                                      (summary.restored_best ? ", best weights restored" : "")
                                : std::string("did not fire (all epochs ran)"))
      << "</td></tr>\n";
    b << "<tr><th>median epoch time</th><td>" << html::num(summary.median_epoch_seconds, "%.2f")
      << " s (" << summary.threads << " threads)</td></tr>\n";
  }
  b << "<tr><th>weights</th><td>" << html::escape(run.weights_path) << "</td></tr>\n";
  b << "<tr><th>report evaluation</th><td>" << html::num(eval_s, "%.2f") << " s</td></tr>\n";
  b << "<tr><th>validation</th><td>"
    << (data.val_is_test ? "the test set (no model selection on it)"
                         : "held-out part of the training set")
    << "</td></tr>\n</table>\n";
  return b.str();
}

}  // namespace

std::string write_report(const std::string& run_dir, const ReportOptions& opt) {
  // a segmentation run has its own page: pixels, masks and IoU instead of images and labels
  if (train::file_exists(train::join_path(run_dir, recipe::kSegmentInfoFile)))
    return write_segment_report(run_dir, opt);
  recipe::LoadedRun run = recipe::load_run(run_dir);
  recipe::ExperimentData data = recipe::load_run_data(run);
  const double t0 = train::now_seconds();
  train::EvalResult r = train::evaluate(*run.net, data.test, run.loss);
  const double eval_s = train::now_seconds() - t0;
  NABLA_CHECK(r.num_classes > 0, "report",
              "the run's model is not a classifier over class-index targets");

  const std::vector<train::EpochMetrics> ms = read_run_metrics(run_dir);
  std::ostringstream b;
  b << summary_table(run, data, r, ms, eval_s);
  b << "<h2>Training curves</h2>\n" << training_curves(ms);
  b << "<h2>Confusion matrix (test set)</h2>\n"
    << confusion_table(class_names(run, r.num_classes), r.confusion);

  b << "<h2>Test samples: predicted (probability) and true label</h2>\n<div class=\"grid\">";
  const int64_t samples = opt.samples < 0 ? kDefaultSamples : opt.samples;
  for (int64_t i = 0; i < std::min<int64_t>(samples, r.count); ++i) b << cell(run, data.test, r, i);
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

  b << heatmap_section(run, data.test);
  b << "<h2>Per-epoch metrics and timings</h2>\n" << epochs_table(ms);
  b << config_and_colophon(run.cfg.to_toml());

  const std::string out = opt.out.empty() ? train::join_path(run_dir, "report.html") : opt.out;
  io::write_file_atomic(out, html::page("nabla report: " + run_dir, b.str()));
  return out;
}

}  // namespace nabla::report
