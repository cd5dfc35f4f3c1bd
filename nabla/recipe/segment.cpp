// Segmentation runs: train a config into a run folder, open one again.
#include "nabla/recipe/segment.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nabla/core/parallel.hpp"
#include "nabla/core/random.hpp"
#include "nabla/data/fashion_mnist.hpp"
#include "nabla/io/atomic_file.hpp"
#include "nabla/ops/loss.hpp"
#include "nabla/recipe/experiment.hpp"
#include "nabla/recipe/model_config.hpp"
#include "nabla/recipe/run.hpp"
#include "nabla/train/checkpoint.hpp"

namespace nabla::recipe {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Per-pixel cross-entropy over the 11 scene classes, optionally class-weighted.
train::LossFn segmentation_loss(const io::Config& loss) {
  CrossEntropyOptions o;
  if (loss.has("class_weights")) {
    const std::vector<double> w = loss.get_double_list("class_weights");
    NABLA_CHECK(static_cast<int64_t>(w.size()) == vision::kSceneClasses, "loss.class_weights",
                "needs one weight per scene class (", vision::kSceneClasses,
                ", background first), got ", w.size());
    o.weight = Tensor::from_vector(std::vector<float>(w.begin(), w.end()), {vision::kSceneClasses});
  }
  return [o](const Tensor& out, const Tensor& target) { return cross_entropy(out, target, o); };
}

// After each epoch: the test scenes' mIoU and pixel accuracy on the progress stream, so a long
// run shows whether the pixels, not just the loss, are improving. Reported only; nothing is
// selected by it.
class SegmentProgress : public train::Callback {
 public:
  SegmentProgress(const data::TensorDataset& test, int64_t batch, std::ostream* log)
      : test_(test), batch_(batch), log_(log) {}
  void on_epoch_end(train::TrainerState& s, train::EpochMetrics& m) override {
    if (log_ == nullptr) return;
    vision::SegmentationMetrics voted(vision::kSceneClasses);
    const vision::SegmentationMetrics r = evaluate_segmentation(*s.net, test_, batch_, &voted);
    char line[200];
    std::snprintf(line, sizeof line,
                  "epoch %lld: test mIoU %.4f, pixel accuracy %.4f (voted per region: mIoU %.4f) "
                  "(%.1f s)",
                  static_cast<long long>(m.epoch), r.mean_iou(), r.pixel_accuracy(),
                  voted.mean_iou(), m.seconds);
    *log_ << line << std::endl;
  }

 private:
  const data::TensorDataset& test_;
  int64_t batch_;
  std::ostream* log_;
};

// [model] init_from = "RUN/model.safetensors": the FCN recipe, an encoder that starts as a trained
// classifier's first layers (configs/fcn_encoder_pretrain.toml writes the same encoder with a
// pooled linear head). Every tensor whose name and shape match is copied; the decoder and the
// score head start fresh.
void start_from(nn::Module& net, const std::string& path, std::ostream& log) {
  const int64_t copied = train::load_matching(net, path);
  const int64_t total = static_cast<int64_t>(net.state_dict().size());
  NABLA_CHECK(copied > 0, "model.init_from", path,
              " has no tensor whose name and shape match this model's (its layers must come "
              "first, in the same order, as in this config)");
  log << "init_from " << path << ": " << copied << " of " << total
      << " tensors copied (parameters and batch-norm statistics)" << std::endl;
}

// The config of the run: the file given, or on resume the run folder's own (locked first, and
// checked to hold a checkpoint, so a refused resume changes nothing); then --set and --epochs.
io::Config load_segment_config(const SegmentTrainOptions& ro, const std::string& dir,
                               io::FolderLock& lock) {
  io::Config cfg;
  if (ro.resume) {
    cfg = resume_config(dir, ro.overrides, lock, {kSegmentInfoFile});
  } else {
    cfg = io::load_config(ro.config_path);
  }
  cfg.apply_overrides(ro.overrides);
  if (ro.epochs >= 0) cfg.set("train.epochs", std::to_string(ro.epochs));
  NABLA_CHECK(!cfg.has("augment"), "augment",
              "segmentation runs take no [augment] table: flipping or cropping an image would "
              "have to move its mask too; remove it");
  return cfg;
}

json iou_json(const vision::SegmentationMetrics& m) {
  json iou = json::array();
  for (double v : m.class_iou()) iou.push_back(std::isnan(v) ? json(nullptr) : json(v));
  return iou;
}

json summary_json(const SegmentTrainResult& r, const nn::Module& net) {
  return {{"task", "segmentation"},
          {"test_mean_iou", r.test.mean_iou()},
          {"test_pixel_accuracy", r.test.pixel_accuracy()},
          {"test_class_iou", iou_json(r.test)},
          {"test_mean_iou_voted", r.test_voted.mean_iou()},
          {"test_pixel_accuracy_voted", r.test_voted.pixel_accuracy()},
          {"test_class_iou_voted", iou_json(r.test_voted)},
          {"test_pixels", r.test.pixels()},
          {"epochs_run", r.history.epochs.size()},
          {"train_seconds", r.train_seconds},
          {"threads", get_num_threads()},
          {"parameters", net.num_parameters()},
          {"confusion", r.test.confusion_matrix()}};
}

}  // namespace

SegmentTrainResult run_segment_training(const SegmentTrainOptions& ro) {
  std::ostream& log = ro.log != nullptr ? *ro.log : std::cerr;
  SegmentTrainResult result;
  result.run_dir = ro.out_dir.empty() ? default_run_dir(ro.config_path) : ro.out_dir;
  const std::string& dir = result.run_dir;
  io::FolderLock lock;
  const io::Config cfg = load_segment_config(ro, dir, lock);
  const SceneSplits data = load_scene_splits(cfg);
  const Shape input{1, data.size, data.size};
  manual_seed(static_cast<uint64_t>(cfg.get_int("seed", 0)));
  const BuiltModel model =
      build_model(cfg.get_table("model"), input, vision::kSceneClasses, ModelHead::PixelScores);
  const std::string init_from = cfg.get_table("model").get_string("init_from", "");
  if (!init_from.empty() && !ro.resume) start_from(*model.net, init_from, log);
  auto opt = optimizer_from_config(cfg.get_table("optimizer"), model.net->parameters());
  const train::LossFn loss = segmentation_loss(cfg.get_table("loss"));
  train::TrainerOptions o = trainer_options_from_config(cfg, input);
  cfg.check_unused();
  o.restore_best = false;  // validation = the test scenes: report them, never select on them
  o.run_dir = dir;
  o.config_text = cfg.to_toml();
  o.progress = ro.progress;
  o.log = &log;
  o.stop_flag = ro.stop_flag;
  o.max_steps = ro.max_steps;
  o.resume = ro.resume;

  if (!ro.resume) lock = prepare_run_dir(dir, ro.force);
  io::write_file_atomic(train::join_path(dir, train::kConfigFile), cfg.to_toml());
  const json info = {{"task", "segmentation"},
                     {"size", data.size},
                     {"num_classes", vision::kSceneClasses},
                     {"train_scenes", data.train.size()},
                     {"test_scenes", data.test.size()}};
  io::write_file_atomic(train::join_path(dir, kSegmentInfoFile), info.dump(1) + "\n");
  if (ro.progress != train::ProgressMode::None)
    log << format_summary(summarize(model)) << "training " << cfg.get_string("model.name", "model")
        << " (" << model.net->num_parameters() << " parameters) on " << data.train.size() << " "
        << data.size << "x" << data.size << " scenes, testing on " << data.test.size() << ", "
        << get_num_threads() << " thread(s); run folder " << dir << std::endl;

  train::Trainer trainer(o);
  trainer.add_callback(std::make_shared<SegmentProgress>(
      data.test, o.eval_batch_size, ro.progress != train::ProgressMode::None ? &log : nullptr));
  result.history = trainer.fit(*model.net, *opt, loss, data.train, data.test);
  for (const auto& m : result.history.epochs) result.train_seconds += m.seconds;
  result.interrupted = result.history.interrupted;
  if (result.interrupted) return result;
  train::save_model(*model.net, train::join_path(dir, train::kModelFile));
  result.test = evaluate_segmentation(*model.net, data.test, o.eval_batch_size, &result.test_voted);
  io::write_file_atomic(train::join_path(dir, kSummaryFile),
                        summary_json(result, *model.net).dump(1) + "\n");
  return result;
}

SegmentRun load_segment_run(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw IoError(dir +
                  ": not a run folder (no such directory); make one with `nabla segment "
                  "train CONFIG --out " +
                  dir + "`");
  const std::string info_path = train::join_path(dir, kSegmentInfoFile);
  if (!train::file_exists(info_path))
    throw IoError(dir + (train::file_exists(train::join_path(dir, kRunInfoFile))
                             ? ": a classification run of `nabla train`, not a segmentation run "
                               "(no segment.json); use `nabla eval` for it"
                             : ": not a segmentation run folder (no segment.json); make one with "
                               "`nabla segment train CONFIG --out " +
                                   dir + "`"));
  SegmentRun r;
  r.dir = dir;
  try {
    r.size = json::parse(read_file(info_path)).at("size").get<int64_t>();
  } catch (const json::exception& e) {
    throw IoError(info_path + ": corrupt segmentation run info (" + e.what() + ")");
  }
  r.cfg = io::load_config(train::join_path(dir, train::kConfigFile));
  std::string weights = train::join_path(dir, train::kModelFile);
  if (!train::file_exists(weights)) weights = train::join_path(dir, train::kCheckpointFile);
  if (!train::file_exists(weights))
    throw IoError(dir +
                  ": the run has no weights yet (no model.safetensors or "
                  "checkpoint.safetensors)");
  r.net = build_model(r.cfg.get_table("model"), {1, r.size, r.size}, vision::kSceneClasses,
                      ModelHead::PixelScores)
              .net;
  train::load_model(*r.net, weights);
  return r;
}

}  // namespace nabla::recipe
