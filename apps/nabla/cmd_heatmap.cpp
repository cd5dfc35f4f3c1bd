// nabla heatmap RUN SCENE.png [--out FILE] [--class K|NAME|all]: slides a run's classifier over
// a whole scene in one pass (its dense head convolutionalized) and draws the class
// probabilities over the scene as a coloured PNG.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <numeric>

#include "commands.hpp"
#include "nabla/data/image.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"
#include "nabla/recipe/run.hpp"
#include "nabla/vision/convolutionalize.hpp"
#include "nabla/vision/heatmap.hpp"
#include "nabla/vision/overlay.hpp"

namespace nabla::app {

CLI::App* add_heatmap_command(CLI::App& app, HeatmapArgs& a) {
  auto* c = app.add_subcommand(
      "heatmap", "Class heatmap of a whole scene from a run's classifier, convolutionalized");
  c->add_option("run", a.run,
                "run folder written by `nabla train` (a model ending in Flatten "
                "+ Linear layers)")
      ->required();
  c->add_option("scene", a.scene, "image at least as large as the model's input (PNG, ...)")
      ->required();
  c->add_option("--out", a.out, "PNG to write (default RUN/heatmap_<scene name>.png)");
  c->add_option("--class", a.cls,
                "all (each pixel tinted by its most likely class), or one class by number or "
                "name (its probability as blue -> red)");
  c->add_option("--scale", a.scale, "enlarge each pixel of the PNG to a scale x scale block")
      ->check(int_range(1, 16));
  return c;
}

namespace {

// -1 for "all", else the class index given by number or by name; nabla::Error listing them.
int64_t parse_class(const std::string& s, const std::vector<std::string>& names, int64_t K) {
  if (s == "all") return -1;
  for (int64_t k = 0; k < K; ++k)
    if (s == std::to_string(k) || (k < static_cast<int64_t>(names.size()) && s == names[k]))
      return k;
  std::string known;
  for (int64_t k = 0; k < K; ++k)
    known += (k ? ", " : "") + std::to_string(k) +
             (k < static_cast<int64_t>(names.size()) ? " " + names[k] : std::string());
  throw Error("heatmap: --class " + s + " is not one of this run's classes (" + known +
              ") nor all");
}

// One line per class, most confident first: its best cell and where that window lies.
void print_peaks(const Tensor& scores, const vision::ScoreMapGeometry& g,
                 const std::vector<std::string>& names, int64_t only, int64_t top) {
  const int64_t K = scores.size(0), cells = scores.size(1) * scores.size(2);
  const std::vector<float> p = scores.to_vector<float>();
  std::vector<int64_t> best(K), order(K);
  for (int64_t k = 0; k < K; ++k)
    best[k] = std::max_element(p.begin() + k * cells, p.begin() + (k + 1) * cells) -
              (p.begin() + k * cells);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int64_t i, int64_t j) { return p[i * cells + best[i]] > p[j * cells + best[j]]; });
  for (int64_t r = 0; r < std::min(top, K); ++r) {
    const int64_t k = only >= 0 ? only : order[r];
    const int64_t cy = best[k] / scores.size(2), cx = best[k] % scores.size(2);
    char buf[200];
    std::snprintf(
        buf, sizeof buf, "  %-12s peak %.3f in the %lldx%lld window at x=%lld y=%lld\n",
        k < static_cast<int64_t>(names.size()) ? names[k].c_str() : std::to_string(k).c_str(),
        p[k * cells + best[k]], static_cast<long long>(g.window.w),
        static_cast<long long>(g.window.h), static_cast<long long>(cx * g.stride.w),
        static_cast<long long>(cy * g.stride.h));
    std::cout << buf;
    if (only >= 0) break;
  }
}

}  // namespace

Outcome run_heatmap_command(const HeatmapArgs& a, const Context&) {
  recipe::LoadedRun run = recipe::load_run(a.run);
  NABLA_CHECK(run.input_shape.size() == 3, "heatmap", "this run's model takes ",
              shape_str(run.input_shape), " inputs, not images");
  const int64_t cls = parse_class(a.cls, run.class_names, run.num_classes);
  data::ImageOptions io;
  io.height = io.width = 0;  // the whole scene, as it is
  io.grayscale = run.input_shape[0] == 1;
  const Tensor scene = data::load_image(a.scene, io);
  nn::Sequential fcn = vision::convolutionalize_model(*run.net, run.input_shape);
  const Tensor x = recipe::apply_input_scale(unsqueeze(scene, 0), run.scale).select(0, 0);
  const vision::SceneHeatmap h = vision::scene_heatmap(fcn, run.input_shape, x);
  const vision::ScoreMapGeometry& g = h.geometry;
  const Tensor& scores = h.scores;
  const Tensor& heat = h.heat;
  const Tensor grey = mean(scene, {0}, true);  // RGB models: drawn over the scene's luma
  const Tensor picture = cls < 0 ? vision::class_overlay(grey, heat)
                                 : vision::probability_overlay(grey, heat.select(0, cls));
  const std::string out =
      !a.out.empty() ? a.out
                     : (std::filesystem::path(a.run) /
                        ("heatmap_" + std::filesystem::path(a.scene).stem().string() + ".png"))
                           .string();
  data::write_png(out, picture, a.scale);
  std::cout << a.scene << ": " << scene.size(2) << "x" << scene.size(1) << ", " << scores.size(2)
            << "x" << scores.size(1) << " score cells (" << g.window.w << "x" << g.window.h
            << " windows, stride " << g.stride.str() << "), " << fcn.num_parameters()
            << " parameters as in the classifier\n";
  print_peaks(scores, g, run.class_names, cls, 5);
  if (cls < 0) {  // the legend of the tints
    std::cout << "colours:";
    for (int64_t k = 0; k < std::min<int64_t>(run.num_classes, 10); ++k)
      std::cout << (k ? ", " : " ")
                << (k < static_cast<int64_t>(run.class_names.size()) ? run.class_names[k]
                                                                     : std::to_string(k))
                << " " << vision::class_palette_names()[k];
    std::cout << "\n";
  } else {
    std::cout << "colours: P(" << a.cls << ") from blue (0) through green to red (1)\n";
  }
  std::cout << "wrote " << out << std::endl;
  return Outcome::Ok;
}

}  // namespace nabla::app
