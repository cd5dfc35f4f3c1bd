// A training run on disk: `nabla train` creates a run folder (see checkpoint.hpp for its files,
// plus run.json with the data's shape and class names and summary.json with the final
// figures); `nabla eval/predict/report` open one with load_run.
#pragma once
#include <atomic>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "nabla/io/atomic_file.hpp"
#include "nabla/io/config.hpp"
#include "nabla/io/folder_lock.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/recipe/experiment.hpp"
#include "nabla/train/evaluate.hpp"
#include "nabla/train/trainer.hpp"

namespace nabla::recipe {

inline constexpr const char* kRunInfoFile = "run.json";
inline constexpr const char* kSummaryFile = "summary.json";

struct TrainRunOptions {
  std::string config_path;
  std::vector<std::string> overrides;  // "key=value" (--set)
  int64_t epochs = -1;                 // --epochs (overrides train.epochs when >= 0)
  std::string out_dir;                 // default: runs/<config file stem>
  bool resume = false;                 // continue run_dir's checkpoint (its config.toml, plus
                                       // overrides check_resume_overrides allows)
  bool force = false;                  // replace an existing run folder's files
  train::ProgressMode progress = train::ProgressMode::Lines;
  std::ostream* log = nullptr;  // progress and messages (null: std::cerr)
  const std::atomic<bool>* stop_flag = nullptr;
  int64_t max_steps = 0;
};

struct TrainRunResult {
  std::string run_dir;
  train::History history;
  bool test_evaluated = false;
  train::EvalResult test;
  double median_epoch_seconds = 0;
};

// The run folder a config trains into by default.
std::string default_run_dir(const std::string& config_path);
// Creates the folder if needed and locks it (io::FolderLock: refused while another process
// trains into it). Throws nabla::Error when the folder holds files, unless force (then nabla's
// own files in it are removed; nothing else is touched).
[[nodiscard]] io::FolderLock prepare_run_dir(const std::string& dir, bool force);

// --set keys a resumed run may change: how it trains from here on (optimizer.* except name,
// schedule.*, train.*, loss.*, augment.*). model.*, data.*, seed and rng define what the
// checkpoint's weights and data order mean; nabla::Error naming the key for those.
void check_resume_overrides(const std::vector<std::string>& overrides);

// The saved config of a run folder being resumed: checks the overrides, locks the folder (into
// `lock`) and checks that it holds config.toml, the checkpoint and every file of `also`, so a
// refused resume changes nothing. IoError naming the missing file.
io::Config resume_config(const std::string& dir, const std::vector<std::string>& overrides,
                         io::FolderLock& lock, const std::vector<std::string>& also = {});

// Trains a config into a run folder, or continues one (resume). The folder is locked for the
// whole run. On resume nothing in the folder changes before the checkpoint has loaded; then
// config.toml records the overrides and run.json lists every resume with its overrides.
TrainRunResult run_training(const TrainRunOptions& options);

// A finished (or interrupted) run, ready to evaluate or predict with.
struct LoadedRun {
  std::string dir;
  io::Config cfg;
  std::shared_ptr<nn::Module> net;
  train::LossFn loss;
  Shape input_shape;
  int64_t num_classes = 0;
  std::vector<std::string> class_names;
  std::string scale = "unit";
  std::string weights_path;  // model.safetensors, or the checkpoint of an unfinished run
};
// Throws IoError naming what is missing when `dir` is not a run folder.
LoadedRun load_run(const std::string& dir);
// The run's test set (the config's data section), scaled for the model.
ExperimentData load_run_data(const LoadedRun& run);

std::string read_file(const std::string& path);  // IoError if unreadable

}  // namespace nabla::recipe
