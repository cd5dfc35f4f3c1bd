#include "nabla/report/heatmap_section.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>
#include <vector>

#include "nabla/data/fashion_mnist.hpp"
#include "nabla/data/image.hpp"
#include "nabla/ops/shape.hpp"
#include "nabla/recipe/datasets.hpp"
#include "nabla/report/html.hpp"
#include "nabla/report/sections.hpp"
#include "nabla/vision/convolutionalize.hpp"
#include "nabla/vision/heatmap.hpp"
#include "nabla/vision/overlay.hpp"
#include "nabla/vision/scenes.hpp"

namespace nabla::report {

namespace {

constexpr int64_t kCheckedImages = 8;  // test images on which dense and converted are compared

std::string why_not(const std::string& what, const std::string& why) {
  return "<p class=\"absent\">No " + what + ": " + html::escape(why) + "</p>\n";
}

// The must-show of the notes' claim: the same scores on the training size, the same weights.
std::string equivalence(nn::Module& net, nn::Sequential& fcn, const data::TensorDataset& test,
                        const Shape& input_shape) {
  const int64_t n = std::min<int64_t>(kCheckedImages, test.size());
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  const double diff = vision::convolutionalized_difference(net, fcn, test.get_batch(idx).inputs);
  std::ostringstream os;
  os << "<table>\n<tr><th>max |dense &minus; convolutionalized| (scores, " << n << " test images "
     << input_shape[2] << "x" << input_shape[1] << ")</th><td class=\"diff\">"
     << html::num(diff, "%.3g") << "</td></tr>\n<tr><th>parameters: dense classifier</th><td>"
     << net.num_parameters() << "</td></tr>\n<tr><th>parameters: convolutionalized</th><td>"
     << fcn.num_parameters() << "</td></tr>\n</table>\n";
  return os.str();
}

// Garments scaled like the model's inputs: on 28x28 inputs 24..40 px, so some fill a window
// and some overflow it; other input sizes in proportion. Three to five of them, so one scene
// shows several classes side by side.
vision::Scene heatmap_scene(const recipe::LoadedRun& run) {
  NABLA_CHECK(run.input_shape[1] <= kHeatmapSceneSize && run.input_shape[2] <= kHeatmapSceneSize,
              "heatmap", "the model's ", run.input_shape[2], "x", run.input_shape[1],
              " input is larger than the ", kHeatmapSceneSize, "x", kHeatmapSceneSize,
              " scene: not one window fits");
  const bool fashion = run.cfg.get_string("data.dataset", "fashion_mnist") == "fashion_mnist";
  const std::string root = fashion
                               ? run.cfg.get_string("data.root", data::FashionMnist::kDefaultDir)
                               : std::string(data::FashionMnist::kDefaultDir);
  if (!data::FashionMnist::available(root))
    throw IoError("Fashion-MNIST is not installed in " + root +
                  " (Debian's dataset-fashion-mnist), so there are no garments for a scene");
  const double side = static_cast<double>(std::min(run.input_shape[1], run.input_shape[2]));
  vision::SceneOptions o;
  o.height = o.width = kHeatmapSceneSize;
  o.min_items = 3;
  o.min_item_size = std::max<int64_t>(1, std::lround(side * 24 / 28));
  o.max_item_size =
      std::min(kHeatmapSceneSize, std::max(o.min_item_size, std::lround(side * 40 / 28)));
  return vision::SceneGenerator(data::FashionMnist::load_test(root), o, kHeatmapSceneSeed).scene(0);
}

// The scene's visible garments in painting order, e.g. "Trouser, Bag, Coat".
std::string garment_names(const vision::Scene& scene) {
  const auto& names = data::FashionMnist::class_names();
  std::string out;
  for (const auto& o : scene.objects)
    out += (out.empty() ? "" : ", ") + names.at(static_cast<size_t>(o.label));
  return out;
}

bool fashion_classes(const recipe::LoadedRun& run) {
  const auto& fm = data::FashionMnist::class_names();
  return run.class_names == std::vector<std::string>(fm.begin(), fm.end());
}

std::string scene_figures(const recipe::LoadedRun& run, nn::Sequential& fcn) {
  NABLA_CHECK(run.num_classes <= static_cast<int64_t>(vision::class_palette().size()), "heatmap",
              "the model has ", run.num_classes, " classes; the overlay has colours for ",
              vision::class_palette().size());
  const vision::Scene scene = heatmap_scene(run);
  const Tensor x = recipe::apply_input_scale(unsqueeze(scene.image, 0), run.scale).select(0, 0);
  const vision::SceneHeatmap h = vision::scene_heatmap(fcn, run.input_shape, x);
  std::ostringstream os;
  os << "<p>Scene " << kHeatmapSceneSize << "x" << kHeatmapSceneSize << " (seed "
     << kHeatmapSceneSeed << ", " << scene.objects.size()
     << " Fashion-MNIST test garments: " << html::escape(garment_names(scene))
     << "): " << h.scores.size(2) << "x" << h.scores.size(1) << " score cells, one per "
     << h.geometry.window.w << "x" << h.geometry.window.h << " window at stride "
     << h.geometry.stride.str() << ", from one forward pass.";
  if (!fashion_classes(run))
    os << " This run's classes are not Fashion-MNIST's: the tints show where its classes fire on "
          "garments it never learned.";
  os << "</p>\n<div class=\"scenes\">" << image_figure(data::encode_png(scene.image), "scene");
  if (fashion_classes(run))
    os << image_figure(data::encode_png(vision::mask_overlay(scene.image, scene.mask)),
                       "true items");
  os << image_figure(data::encode_png(vision::class_overlay(scene.image, h.heat)),
                     "most likely class per pixel (tint: how sure)")
     << "</div>\n"
     << palette_legend(run.class_names);
  return os.str();
}

}  // namespace

std::string heatmap_section(const recipe::LoadedRun& run, const data::TensorDataset& test) {
  std::string out = "<h2>Convolutionalized: class heatmap</h2>\n";
  nn::Sequential fcn;
  try {
    fcn = vision::convolutionalize_model(*run.net, run.input_shape);
  } catch (const Error& e) {
    return out + why_not("heatmap", e.what());
  }
  out +=
      "<p>The dense head as convolutions (Flatten + Linear &rarr; a Conv2d with the feature "
      "map's kernel, later Linears &rarr; 1x1 convolutions): the same weights, and on a larger "
      "image one score vector per window.</p>\n";
  try {
    out += equivalence(*run.net, fcn, test, run.input_shape);
  } catch (const Error& e) {
    out += why_not("comparison with the dense classifier", e.what());
  }
  try {
    out += scene_figures(run, fcn);
  } catch (const Error& e) {
    out += why_not("heatmap", e.what());
  }
  return out;
}

}  // namespace nabla::report
