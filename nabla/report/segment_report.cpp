#include "nabla/report/segment_report.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "nabla/data/fashion_mnist.hpp"
#include "nabla/data/image.hpp"
#include "nabla/io/atomic_file.hpp"
#include "nabla/recipe/run.hpp"
#include "nabla/recipe/segment.hpp"
#include "nabla/report/html.hpp"
#include "nabla/report/sections.hpp"
#include "nabla/train/checkpoint.hpp"
#include "nabla/vision/overlay.hpp"

namespace nabla::report {

namespace {

// Three 96x96 overlays per scene are ~50 KB of base64: 8 scenes keep the page light.
constexpr int64_t kDefaultScenes = 8;

std::vector<std::string> scene_class_names() {
  const auto& fm = data::FashionMnist::class_names();
  std::vector<std::string> names{"background"};
  names.insert(names.end(), fm.begin(), fm.end());
  return names;
}

std::string iou_row(const vision::SegmentationMetrics& m, int64_t c, double iou) {
  int64_t truth = 0, predicted = 0;
  for (int64_t k = 0; k < m.num_classes(); ++k) truth += m.confusion(c, k);
  for (int64_t k = 0; k < m.num_classes(); ++k) predicted += m.confusion(k, c);
  std::ostringstream os;
  // mask_overlay leaves the background grey and tints class 1 + k with palette colour k
  os << "<tr><th style=\"text-align:left\">"
     << (c == 0 ? std::string("<span class=\"swatch\" style=\"background:#888\"></span>")
                : palette_swatch(c - 1))
     << html::escape(scene_class_names()[static_cast<size_t>(c)]) << "</th><td>" << html::num(iou)
     << "</td><td>" << truth << "</td><td>" << predicted << "</td><td>" << m.confusion(c, c)
     << "</td></tr>\n";
  return os.str();
}

std::string iou_table(const vision::SegmentationMetrics& m) {
  const std::vector<double> iou = m.class_iou();
  std::ostringstream os;
  os << "<table class=\"iou\"><tr><th>class</th><th>IoU</th><th>pixels in truth</th>"
        "<th>pixels predicted</th><th>correct pixels</th></tr>\n";
  for (int64_t c = 0; c < m.num_classes(); ++c) os << iou_row(m, c, iou[static_cast<size_t>(c)]);
  os << "<tr><th>mean IoU</th><td class=\"miou\">" << html::num(m.mean_iou())
     << "</td><td colspan=\"3\" style=\"text-align:left\">over the classes in truth or "
        "prediction (&ndash;: in neither)</td></tr>\n"
     << "<tr><th>pixel accuracy</th><td>" << html::num(m.pixel_accuracy())
     << "</td><td colspan=\"3\" style=\"text-align:left\">" << m.pixels()
     << " pixels; dominated by the background, hence mean IoU first</td></tr>\n</table>\n";
  return os.str();
}

// Scene i of the test set: the scene, the true mask and the model's, with that scene's scores.
std::string scene_cell(nn::Module& net, const data::TensorDataset& test, int64_t i) {
  const data::Batch b = test.get_batch({i});
  const Tensor image = b.inputs.select(0, 0).contiguous();
  const Tensor truth = b.targets.select(0, 0).contiguous();
  const Tensor predicted =
      vision::predict_classes(recipe::predict_scores(net, image)).select(0, 0).contiguous();
  vision::SegmentationMetrics m(vision::kSceneClasses);
  m.add(predicted, truth);
  std::ostringstream os;
  os << "<div><div class=\"scenes\">"
     << image_figure(data::encode_png(image), "test scene " + std::to_string(i))
     << image_figure(data::encode_png(vision::mask_overlay(image, truth)), "true mask")
     << image_figure(data::encode_png(vision::mask_overlay(image, predicted)), "predicted mask")
     << "</div><div style=\"font-size:12px\">mean IoU " << html::num(m.mean_iou(), "%.3f")
     << ", pixel accuracy " << html::num(m.pixel_accuracy(), "%.3f") << "</div></div>\n";
  return os.str();
}

struct Evaluated {
  vision::SegmentationMetrics metrics{vision::kSceneClasses};
  int64_t scenes = 0;
  double seconds = 0;
};

std::string summary_table(const recipe::SegmentRun& run, const Evaluated& e, size_t epochs) {
  const RunSummary s = read_run_summary(run.dir);
  std::ostringstream b;
  b << "<table>\n<tr><th>test mean IoU</th><td>" << html::num(e.metrics.mean_iou())
    << "</td></tr>\n<tr><th>test pixel accuracy</th><td>" << html::num(e.metrics.pixel_accuracy())
    << "</td></tr>\n<tr><th>test scenes</th><td>" << e.scenes << " of " << run.size << "x"
    << run.size << " (Fashion-MNIST test items only)</td></tr>\n<tr><th>model</th><td>"
    << html::escape(run.cfg.get_string("model.name", "")) << ", " << run.net->num_parameters()
    << " parameters</td></tr>\n<tr><th>epochs run</th><td>" << epochs << "</td></tr>\n"
    << "<tr><th>training time</th><td>" << html::num(s.train_seconds, "%.1f") << " s";
  if (s.present) b << " (" << s.threads << " threads)";
  b << "</td></tr>\n<tr><th>report evaluation</th><td>" << html::num(e.seconds, "%.2f")
    << " s</td></tr>\n<tr><th>validation</th><td>the test scenes, reported each epoch, never "
       "used to pick weights</td></tr>\n</table>\n";
  return b.str();
}

std::string page_body(const recipe::SegmentRun& run, const data::TensorDataset& test,
                      const Evaluated& e, int64_t samples) {
  const std::vector<train::EpochMetrics> ms = read_run_metrics(run.dir);
  const std::vector<std::string> names = scene_class_names();
  std::ostringstream b;
  b << "<h2>Summary</h2>\n" << summary_table(run, e, ms.size());
  b << "<h2>Training curves (per-pixel cross-entropy)</h2>\n" << training_curves(ms);
  b << "<h2>IoU per class (test scenes)</h2>\n" << iou_table(e.metrics);
  b << "<h2>Pixel confusion matrix (test scenes)</h2>\n"
    << confusion_table(names, e.metrics.confusion_matrix());
  const int64_t n = std::min<int64_t>(samples, test.size());
  b << "<h2>Test scenes: the scene, the true mask, the predicted mask (" << n << " of "
    << test.size() << ")</h2>\n<div class=\"legend\"><span><span class=\"swatch\" "
    << "style=\"background:#888\"></span>background (untinted)</span></div>\n"
    << palette_legend(std::vector<std::string>(names.begin() + 1, names.end()))
    << "<div class=\"seg\">";
  for (int64_t i = 0; i < n; ++i) b << scene_cell(*run.net, test, i);
  b << "</div>\n<h2>Per-epoch metrics and timings</h2>\n" << epochs_table(ms);
  b << config_and_colophon(run.cfg.to_toml());
  return b.str();
}

}  // namespace

std::string write_segment_report(const std::string& run_dir, const ReportOptions& opt) {
  const recipe::SegmentRun run = recipe::load_segment_run(run_dir);
  const recipe::SceneSplits data = recipe::load_scene_splits(run.cfg, /*with_train=*/false);
  Evaluated e;
  const double t0 = train::now_seconds();
  e.metrics = recipe::evaluate_segmentation(*run.net, data.test,
                                            run.cfg.get_int("train.eval_batch_size", 100));
  e.seconds = train::now_seconds() - t0;
  e.scenes = data.test.size();
  const int64_t samples = opt.samples < 0 ? kDefaultScenes : opt.samples;
  const std::string out = opt.out.empty() ? train::join_path(run_dir, "report.html") : opt.out;
  io::write_file_atomic(out, html::page("nabla report (segmentation): " + run_dir,
                                        page_body(run, data.test, e, samples)));
  return out;
}

}  // namespace nabla::report
