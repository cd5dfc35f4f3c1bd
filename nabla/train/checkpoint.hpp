// Run folders and checkpoints. A run folder holds:
//   config.toml              the config the run was started with (after --set overrides)
//   checkpoint.safetensors   weights + optimizer state + trainer state (epoch, step, RNG
//                            streams, loader position, history) after the last epoch or on Ctrl-C
//   best.safetensors         weights of the best epoch by validation loss
//   model.safetensors        the final weights (best ones when early stopping restored them)
//   metrics.csv              one row per epoch
// Every file is written atomically (io::AtomicFile), so a crash or a full disk leaves the
// previous version intact; weights carry CRC32 checksums (io/safetensors.hpp).
#pragma once
#include <cstdint>
#include <string>

#include "nabla/io/safetensors.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/optim/optimizer.hpp"
#include "nabla/train/trainer.hpp"

namespace nabla::train {

inline constexpr const char* kCheckpointFile = "checkpoint.safetensors";
inline constexpr const char* kBestFile = "best.safetensors";
inline constexpr const char* kModelFile = "model.safetensors";
inline constexpr const char* kMetricsFile = "metrics.csv";
inline constexpr const char* kConfigFile = "config.toml";

std::string join_path(const std::string& dir, const std::string& file);
bool file_exists(const std::string& path);

// Tensors of a weights file or checkpoint: io::load_safetensors (checksums verified when the
// file has them) plus a scan that refuses NaN/Inf in any float tensor with an IoError naming
// the file and the tensor. Every weights load below goes through it.
io::TensorMap read_tensors(const std::string& path, io::Metadata* meta = nullptr);

// Model weights (parameters and buffers), atomically.
void save_model(const nn::Module& net, const std::string& path, const io::Metadata& meta = {});
// Loads weights saved by save_model (or the model part of a checkpoint). Throws IoError for an
// unreadable, corrupt or non-finite file and nabla::Error naming the file and listing every
// missing/unexpected/mis-shaped key.
void load_model(nn::Module& net, const std::string& path, io::Metadata* meta = nullptr);
// Copies into `net` every tensor of a weights file or checkpoint whose name AND shape match one
// of net's; the rest of net keeps its values. Returns how many tensors were copied (0 is the
// caller's error to name). For starting a model from another's trained layers: an FCN's
// encoder from a classifier with the same first layers, as FCN starts from VGG.
int64_t load_matching(nn::Module& net, const std::string& path);

// Where the training loop stands (everything beyond weights and optimizer state that an exact
// resume needs).
struct LoopState {
  int64_t epochs_done = 0;    // completed epochs
  int64_t step_in_epoch = 0;  // steps of the next epoch already done (mid-epoch stop)
  int64_t global_step = 0;
  double loss_sum = 0;  // partial-epoch accumulators (mid-epoch stop)
  int64_t correct = 0;
  int64_t images = 0;
  double elapsed = 0;       // training seconds of the partial epoch
  std::string default_rng;  // nabla::default_generator() (dropout, init)
  std::string noise_rng;    // the trainer's weight-noise generator
};

struct Checkpoint {
  History history;
  LoopState loop;
  std::string config_text;
};

void save_checkpoint(const std::string& path, const nn::Module& net, const optim::Optimizer& opt,
                     const Checkpoint& ckpt);
// Restores net and opt in place and returns the rest. The optimizer keeps its own options
// (lr, momentum, ...: the resumed run's config) and takes only its state from the file.
Checkpoint load_checkpoint(const std::string& path, nn::Module& net, optim::Optimizer& opt);
// Only the metadata (config text, history, loop state); touches no model.
Checkpoint read_checkpoint_info(const std::string& path);

}  // namespace nabla::train
