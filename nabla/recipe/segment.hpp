// Semantic segmentation on the scenes (notes §9-1, "FCN"): a config -> a fully convolutional
// model whose output is one score map per scene class, trained with per-pixel cross-entropy,
// into a run folder that `nabla segment eval/predict` read back.
//
//   seed = 0
//   [data]      dataset = "scenes"; train_scenes (2000); test_scenes (500); size (96: the
//               canvas side, 16..512, scenes are square); min_item_size (20), max_item_size
//               (64, at most size): the side items are scaled to; root (Fashion-MNIST folder)
//               Train scenes use Fashion-MNIST's training items, test scenes its test items,
//               both of generator seed `seed` (vision/scenes.hpp), so no test garment is seen.
//   [model]     layers ending in (11, size, size) per sample (model_config.hpp, ModelHead);
//               init_from = "RUN/model.safetensors" (optional): start every layer whose name
//               and shape match from that file's weights (the encoder of a trained classifier)
//   [optimizer] [schedule]  as for `nabla train` (experiment.hpp)
//   [loss]      class_weights = [11 numbers] (optional; background first): per-class weights of
//               the cross-entropy, e.g. to weigh the rare garment pixels against the background
//   [train]     epochs; batch_size; shuffle; eval_batch_size; grad_clip_norm; prefetch; ...
//               No [augment]: a flip or crop of the image would have to move its mask too.
//
// A run folder holds what `nabla train` writes (config.toml, checkpoint.safetensors,
// metrics.csv, model.safetensors; val_loss there is the test scenes' loss, never used to pick
// weights: restore_best is off) plus segment.json, which marks it as a segmentation run, and
// summary.json with the test scenes' mIoU, per-class IoU, pixel accuracy and confusion matrix.
#pragma once
#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "nabla/data/dataset.hpp"
#include "nabla/io/config.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/train/trainer.hpp"
#include "nabla/vision/scenes.hpp"
#include "nabla/vision/segmentation_metrics.hpp"

namespace nabla::recipe {

inline constexpr const char* kSegmentInfoFile = "segment.json";

// Scenes as a dataset: inputs float32 (N, 1, H, W), targets int64 masks (N, H, W).
data::TensorDataset scenes_dataset(const std::vector<vision::Scene>& scenes);

struct SceneSplits {
  data::TensorDataset train, test;
  int64_t size = 0;  // the canvas side
};
// The [data] table of a segmentation config (above); nabla::Error naming a bad key.
SceneSplits load_scene_splits(const io::Config& cfg, bool with_train = true);

// Pixel scores of `net` ((N, 11, H, W) out) on every sample, in eval mode without gradients.
// `voted`, when given, also scores the masks after vision::vote_components (one class per
// predicted garment region), from the same forward passes.
vision::SegmentationMetrics evaluate_segmentation(nn::Module& net, const data::TensorDataset& data,
                                                  int64_t batch_size,
                                                  vision::SegmentationMetrics* voted = nullptr);

// One scene's pixel scores: image (1, H, W) -> (1, 11, H, W), eval mode, no gradients.
Tensor predict_scores(nn::Module& net, const Tensor& image);

struct SegmentTrainOptions {
  std::string config_path;
  std::vector<std::string> overrides;  // "key=value" (--set)
  int64_t epochs = -1;                 // overrides train.epochs when >= 0
  std::string out_dir;                 // default: runs/<config file stem>
  bool force = false;
  train::ProgressMode progress = train::ProgressMode::Lines;
  std::ostream* log = nullptr;  // progress (null: std::cerr)
  const std::atomic<bool>* stop_flag = nullptr;
  int64_t max_steps = 0;
  bool resume = false;  // continue the run folder's checkpoint (config from the folder)
};

struct SegmentTrainResult {
  std::string run_dir;
  train::History history;
  bool interrupted = false;
  vision::SegmentationMetrics test{vision::kSceneClasses};
  vision::SegmentationMetrics test_voted{vision::kSceneClasses};  // after vote_components
  double train_seconds = 0;  // the training loops, without evaluation
};

SegmentTrainResult run_segment_training(const SegmentTrainOptions& options);

// A segmentation run folder, its model loaded. IoError saying what the folder is instead
// (missing, a classification run of `nabla train`, no weights yet).
struct SegmentRun {
  std::string dir;
  io::Config cfg;
  std::shared_ptr<nn::Module> net;
  int64_t size = 0;  // the model's input is (1, size, size)
};
SegmentRun load_segment_run(const std::string& dir);

// Writes one line per class (IoU, pixels in truth) and the summary figures.
void print_segmentation_metrics(std::ostream& out, const vision::SegmentationMetrics& m);

}  // namespace nabla::recipe
