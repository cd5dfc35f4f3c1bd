// nabla segment train CONFIG [--out RUN] [--set k=v]... [--epochs N] [--force | --resume]
// nabla segment eval RUN
// nabla segment predict RUN SCENE.png [--out overlay.png] [--vote]
// Semantic segmentation of the scenes (notes §9-1): an FCN trained per pixel, scored by mean
// IoU, and its mask drawn over a scene (recipe/segment.hpp).
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "commands.hpp"
#include "nabla/data/fashion_mnist.hpp"
#include "nabla/data/image.hpp"
#include "nabla/recipe/segment.hpp"
#include "nabla/train/checkpoint.hpp"
#include "nabla/vision/component_vote.hpp"
#include "nabla/vision/overlay.hpp"

namespace nabla::app {

CLI::App* add_segment_command(CLI::App& app, SegmentArgs& a) {
  auto* c = app.add_subcommand("segment",
                               "Semantic segmentation of scenes with an FCN: train, eval, predict");
  c->require_subcommand(1);
  auto* t = c->add_subcommand("train", "Train a segmentation config into a run folder");
  t->add_option("config", a.config, "segmentation config, e.g. configs/fcn_segment.toml")
      ->required();
  t->add_option("--out", a.out, "run folder (default runs/<config name>)");
  t->add_option("--set", a.sets, "override a config value, e.g. --set data.train_scenes=500")
      ->allow_extra_args(false);
  t->add_option("--epochs", a.epochs, "number of epochs (overrides train.epochs)")
      ->check(int_range(0));
  t->add_flag("--force", a.force, "overwrite an existing run folder");
  t->add_flag("--resume", a.resume,
              "continue the run folder's checkpoint (after Ctrl-C: same config, same result)");
  add_threads_option(t, a.threads);
  t->add_option("--max-steps", a.max_steps, "stop after this many steps; for tests")
      ->check(int_range(0))
      ->group("");
  t->callback([&a] { a.action = "train"; });
  auto* e = c->add_subcommand("eval", "mIoU, per-class IoU and pixel accuracy on the test scenes");
  e->add_option("run", a.run, "run folder written by `nabla segment train`")->required();
  add_threads_option(e, a.threads);
  e->callback([&a] { a.action = "eval"; });
  auto* p = c->add_subcommand("predict", "Draw a run's predicted mask over a scene (PNG)");
  p->add_option("run", a.run, "run folder written by `nabla segment train`")->required();
  p->add_option("scene", a.scene, "grey scene image of the run's size (nabla scenes --size N)")
      ->required();
  p->add_option("--out", a.out, "PNG to write (default RUN/segment_<scene name>.png)");
  p->add_flag("--vote", a.vote,
              "one class per predicted garment region (vision/component_vote.hpp)");
  p->callback([&a] { a.action = "predict"; });
  return c;
}

namespace {

// The voted scores on one line under the per-pixel table.
void print_voted(const vision::SegmentationMetrics& m) {
  char line[160];
  std::snprintf(line, sizeof line,
                "voted per region (one class per predicted garment region): mean IoU %.4f, pixel "
                "accuracy %.4f",
                m.mean_iou(), m.pixel_accuracy());
  std::cout << line << std::endl;
}

Outcome segment_train(const SegmentArgs& a, const Context& ctx) {
  if (a.resume && a.force)
    throw UsageError("segment train: --resume and --force contradict each other; pick one");
  apply_threads(a.threads);
  recipe::SegmentTrainOptions o;
  o.config_path = a.config;
  o.overrides = a.sets;
  o.epochs = a.epochs;
  o.out_dir = a.out;
  o.force = a.force;
  o.progress = ctx.progress;
  o.stop_flag = ctx.stop_flag;
  o.max_steps = a.max_steps;
  o.resume = a.resume;
  const recipe::SegmentTrainResult r = recipe::run_segment_training(o);
  if (r.interrupted) {
    std::cerr << "stopped: checkpoint saved to "
              << train::join_path(r.run_dir, train::kCheckpointFile) << std::endl;
    return Outcome::Interrupted;
  }
  recipe::print_segmentation_metrics(std::cout, r.test);
  print_voted(r.test_voted);
  char line[256];
  std::snprintf(line, sizeof line, "test mIoU %.4f  pixel accuracy %.4f  training %.1f s  run %s",
                r.test.mean_iou(), r.test.pixel_accuracy(), r.train_seconds, r.run_dir.c_str());
  std::cout << line << std::endl;
  return Outcome::Ok;
}

Outcome segment_eval(const SegmentArgs& a) {
  apply_threads(a.threads);
  const recipe::SegmentRun run = recipe::load_segment_run(a.run);
  const recipe::SceneSplits data = recipe::load_scene_splits(run.cfg, /*with_train=*/false);
  vision::SegmentationMetrics voted(vision::kSceneClasses);
  const vision::SegmentationMetrics m = recipe::evaluate_segmentation(
      *run.net, data.test, run.cfg.get_int("train.eval_batch_size", 100), &voted);
  std::cout << "run " << run.dir << ": " << data.test.size() << " test scenes of " << run.size
            << "x" << run.size << "\n";
  recipe::print_segmentation_metrics(std::cout, m);
  print_voted(voted);
  return Outcome::Ok;
}

Outcome segment_predict(const SegmentArgs& a) {
  const recipe::SegmentRun run = recipe::load_segment_run(a.run);
  data::ImageInfo info;
  const Tensor image = data::load_image(a.scene, {.height = 0, .width = 0}, &info);
  if (info.height != run.size || info.width != run.size)
    throw Error("segment predict: " + a.scene + " is " + data::describe(info) + " but the run " +
                "was trained on " + std::to_string(run.size) + "x" + std::to_string(run.size) +
                " scenes; give a scene of that size (nabla scenes --size " +
                std::to_string(run.size) + ")");
  const Tensor scores = recipe::predict_scores(*run.net, image);
  const Tensor mask = (a.vote ? vision::vote_components(scores) : vision::predict_classes(scores))
                          .select(0, 0)
                          .contiguous();
  const std::string out =
      !a.out.empty()
          ? a.out
          : train::join_path(run.dir,
                             "segment_" + std::filesystem::path(a.scene).stem().string() + ".png");
  data::write_png(out, vision::mask_overlay(image, mask), 4);
  std::vector<int64_t> count(vision::kSceneClasses, 0);
  for (int64_t c : mask.to_vector<int64_t>()) ++count[static_cast<size_t>(c)];
  const auto& names = data::FashionMnist::class_names();
  for (int64_t c = 1; c < vision::kSceneClasses; ++c)
    if (count[static_cast<size_t>(c)] > 0)
      std::cout << names[static_cast<size_t>(c - 1)] << " ("
                << vision::class_palette_names()[static_cast<size_t>(c - 1)]
                << "): " << count[static_cast<size_t>(c)] << " pixels\n";
  std::cout << "background: " << count[0] << " pixels\nwrote " << out << std::endl;
  return Outcome::Ok;
}

}  // namespace

Outcome run_segment_command(const SegmentArgs& a, const Context& ctx) {
  if (a.action == "train") return segment_train(a, ctx);
  if (a.action == "eval") return segment_eval(a);
  return segment_predict(a);
}

}  // namespace nabla::app
