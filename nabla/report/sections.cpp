#include "nabla/report/sections.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nabla/core/error.hpp"
#include "nabla/recipe/run.hpp"
#include "nabla/report/html.hpp"
#include "nabla/report/plot.hpp"
#include "nabla/train/checkpoint.hpp"
#include "nabla/vision/overlay.hpp"

namespace nabla::report {

std::vector<train::EpochMetrics> read_run_metrics(const std::string& run_dir) {
  const std::string path = train::join_path(run_dir, train::kMetricsFile);
  if (!train::file_exists(path)) return {};
  return train::read_metrics_csv(path);
}

RunSummary read_run_summary(const std::string& run_dir) {
  const std::string path = train::join_path(run_dir, recipe::kSummaryFile);
  RunSummary r;
  if (!train::file_exists(path)) return r;
  nlohmann::json s;
  try {
    s = nlohmann::json::parse(recipe::read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw IoError(path + ": corrupt (" + e.what() + ")");
  }
  if (!s.is_object()) throw IoError(path + ": corrupt (not a JSON object)");
  r.present = true;
  r.best_epoch = s.value("best_epoch", int64_t{0});
  r.stopped_early = s.value("stopped_early", false);
  r.restored_best = s.value("restored_best", false);
  r.median_epoch_seconds = s.value("median_epoch_seconds", NAN);
  r.train_seconds = s.value("train_seconds", NAN);
  r.threads = s.value("threads", int64_t{0});
  return r;
}

namespace {

bool any_finite(const std::vector<double>& v) {
  return std::any_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

}  // namespace

std::string training_curves(const std::vector<train::EpochMetrics>& ms) {
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
  // a segmentation run's epochs have no accuracy (NaN): an empty chart would say nothing
  if (any_finite(ta) || any_finite(va))
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

namespace {

// Green diagonal (by the row's recall), red off-diagonal (by the largest off-diagonal count).
std::string cell_colour(bool diagonal, int64_t v, int64_t row, int64_t max_off) {
  const double a = diagonal ? (row ? static_cast<double>(v) / static_cast<double>(row) : 0)
                            : static_cast<double>(v) / static_cast<double>(max_off);
  char bg[64];
  if (diagonal)
    std::snprintf(bg, sizeof bg, "rgba(40,160,60,%.2f)", 0.15 + 0.6 * a);
  else
    std::snprintf(bg, sizeof bg, "rgba(220,40,40,%.2f)", 0.7 * a);
  return bg;
}

}  // namespace

std::string confusion_table(const std::vector<std::string>& names,
                            const std::vector<int64_t>& confusion) {
  const auto c = static_cast<int64_t>(names.size());
  NABLA_CHECK(static_cast<int64_t>(confusion.size()) == c * c, "report", "a confusion matrix of ",
              confusion.size(), " cells for ", c, " classes");
  int64_t max_off = 1;
  for (int64_t t = 0; t < c; ++t)
    for (int64_t p = 0; p < c; ++p)
      if (t != p) max_off = std::max(max_off, confusion[t * c + p]);
  std::ostringstream os;
  os << "<table class=\"cm\"><tr><th>true \\ predicted</th>";
  for (int64_t p = 0; p < c; ++p) os << "<th>" << html::escape(names[p]) << "</th>";
  os << "<th>recall</th></tr>\n";
  for (int64_t t = 0; t < c; ++t) {
    int64_t row = 0;
    for (int64_t p = 0; p < c; ++p) row += confusion[t * c + p];
    os << "<tr><th>" << html::escape(names[t]) << "</th>";
    for (int64_t p = 0; p < c; ++p) {
      const int64_t v = confusion[t * c + p];
      os << "<td style=\"background:" << cell_colour(t == p, v, row, max_off) << "\">" << v
         << "</td>";
    }
    os << "<td>"
       << html::num(row ? static_cast<double>(confusion[t * c + t]) / static_cast<double>(row)
                        : NAN)
       << "</td></tr>\n";
  }
  os << "</table>\n";
  return os.str();
}

std::string config_and_colophon(const std::string& config_toml) {
  return "<h2>Config</h2>\n<pre>" + html::escape(config_toml) +
         "</pre>\n<p style=\"font-size:11px;color:#777\">Charts: " +
         (plot::gnuplot_available() ? "gnuplot (svg terminal)" : "built-in SVG") +
         ". Written by nabla report.</p>\n";
}

std::string image_figure(const std::string& png, const std::string& caption) {
  return "<figure class=\"scene\"><img alt=\"" + html::escape(caption) + "\" src=\"" +
         html::png_data_uri(png) + "\"><figcaption>" + html::escape(caption) +
         "</figcaption></figure>";
}

std::string palette_swatch(int64_t k) {
  const auto& palette = vision::class_palette();
  NABLA_CHECK(k >= 0 && k < static_cast<int64_t>(palette.size()), "report", "palette colour ", k,
              " of ", palette.size());
  const vision::Rgb& c = palette[static_cast<size_t>(k)];
  char style[96];
  std::snprintf(
      style, sizeof style, "background:rgb(%d,%d,%d)", static_cast<int>(std::lround(c[0] * 255)),
      static_cast<int>(std::lround(c[1] * 255)), static_cast<int>(std::lround(c[2] * 255)));
  return std::string("<span class=\"swatch\" style=\"") + style + "\"></span>";
}

std::string palette_legend(const std::vector<std::string>& names) {
  std::string out = "<div class=\"legend\">";
  const auto n = std::min<int64_t>(static_cast<int64_t>(names.size()),
                                   static_cast<int64_t>(vision::class_palette().size()));
  for (int64_t k = 0; k < n; ++k)
    out += "<span>" + palette_swatch(k) + html::escape(names[static_cast<size_t>(k)]) + "</span>";
  return out + "</div>\n";
}

}  // namespace nabla::report
