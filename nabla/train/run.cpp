#include "nabla/train/run.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nabla/core/parallel.hpp"
#include "nabla/train/checkpoint.hpp"
#include "nabla/train/model_config.hpp"

namespace nabla::train {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
// What `--force` may delete: only files nabla writes into a run folder.
const std::vector<std::string>& run_files() {
  static const std::vector<std::string> f{kCheckpointFile, kBestFile, kModelFile, kMetricsFile, kConfigFile,
                                          kRunInfoFile,    kSummaryFile, "report.html"};
  return f;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}
}  // namespace

void write_file_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw IoError(path + ": cannot write (" + std::strerror(errno) + ")");
    out << text;
    if (!out) throw IoError(path + ": write failed");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw IoError(path + ": cannot write (" + ec.message() + ")");
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw IoError(path + ": is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError(path + ": cannot open (" + std::strerror(errno) + ")");
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::string default_run_dir(const std::string& config_path) {
  return (fs::path("runs") / fs::path(config_path).stem()).string();
}

void prepare_run_dir(const std::string& dir, bool force) {
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    NABLA_CHECK(fs::is_directory(dir, ec), "train", "--out ", dir, " exists and is not a folder");
    const bool empty = fs::is_empty(dir, ec);
    NABLA_CHECK(empty || force, "train", "run folder ", dir,
                " already exists; pass --force to overwrite it, --resume to continue it, or choose another --out");
    for (const auto& f : run_files()) fs::remove(fs::path(dir) / f, ec);
  }
  fs::create_directories(dir, ec);
  if (ec) throw IoError(dir + ": cannot create run folder (" + ec.message() + ")");
}

TrainRunResult run_training(const TrainRunOptions& ro) {
  std::ostream& log = ro.log != nullptr ? *ro.log : std::cerr;
  TrainRunResult result;
  result.run_dir = ro.out_dir.empty() ? default_run_dir(ro.config_path) : ro.out_dir;
  const std::string& dir = result.run_dir;

  io::Config cfg;
  if (ro.resume) {
    // The run's own config is authoritative; flags may still extend it (e.g. more --epochs).
    const std::string saved = join_path(dir, kConfigFile);
    if (!file_exists(saved)) throw IoError(saved + ": nothing to resume (no run folder with a config there)");
    if (!file_exists(join_path(dir, kCheckpointFile)))
      throw IoError(join_path(dir, kCheckpointFile) + ": nothing to resume (no checkpoint)");
    cfg = io::load_config(saved);
  } else {
    cfg = io::load_config(ro.config_path);
  }
  cfg.apply_overrides(ro.overrides);
  if (ro.epochs >= 0) cfg.set("train.epochs", std::to_string(ro.epochs));

  Experiment e = make_experiment(cfg);
  if (!ro.resume) prepare_run_dir(dir, ro.force);
  write_file_atomic(join_path(dir, kConfigFile), cfg.to_toml());
  json info = {{"input_shape", e.data.input_shape}, {"num_classes", e.data.num_classes},
               {"class_names", e.data.class_names}, {"scale", e.data.scale},
               {"val_is_test", e.data.val_is_test}, {"train_size", e.data.train.size()},
               {"val_size", e.data.val_is_test ? 0 : e.data.val.size()}, {"test_size", e.data.test.size()},
               {"threads", get_num_threads()}};
  write_file_atomic(join_path(dir, kRunInfoFile), info.dump(1) + "\n");

  e.options.run_dir = dir;
  e.options.resume = ro.resume;
  e.options.progress = ro.progress;
  e.options.log = &log;
  e.options.stop_flag = ro.stop_flag;
  e.options.max_steps = ro.max_steps;
  if (ro.progress != ProgressMode::None) {
    log << "training " << e.cfg.get_string("model.name", "model") << " (" << e.net->num_parameters()
        << " parameters) on " << e.data.train.size() << " images, validating on " << e.data.val.size()
        << (e.data.val_is_test ? " test" : " held-out") << " images, " << get_num_threads() << " thread(s); run folder "
        << dir << std::endl;
  }
  Trainer trainer(e.options);
  result.history = trainer.fit(*e.net, *e.opt, e.loss, e.data.train, e.data.val);
  std::vector<double> secs;
  for (const auto& m : result.history.epochs) secs.push_back(m.seconds);
  result.median_epoch_seconds = median(secs);
  if (result.history.interrupted) return result;

  save_model(*e.net, join_path(dir, kModelFile));
  result.test = evaluate(*e.net, e.data.test, e.loss, e.options.eval_batch_size);
  result.test_evaluated = true;
  const auto& h = result.history;
  json summary = {{"test_accuracy", result.test.accuracy},
                  {"test_loss", result.test.loss},
                  {"test_size", result.test.count},
                  {"epochs_run", h.epochs.size()},
                  {"best_epoch", h.best_epoch},
                  {"stopped_early", h.stopped_early},
                  {"restored_best", h.restored_best},
                  {"median_epoch_seconds", result.median_epoch_seconds},
                  {"threads", get_num_threads()},
                  {"parameters", e.net->num_parameters()},
                  {"confusion", result.test.confusion}};
  write_file_atomic(join_path(dir, kSummaryFile), summary.dump(1) + "\n");
  return result;
}

LoadedRun load_run(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw IoError(dir + ": not a run folder (no such directory)");
  LoadedRun r;
  r.dir = dir;
  const std::string cfg_path = join_path(dir, kConfigFile), info_path = join_path(dir, kRunInfoFile);
  if (!file_exists(cfg_path) || !file_exists(info_path))
    throw IoError(dir + ": not a run folder (missing " + (file_exists(cfg_path) ? kRunInfoFile : kConfigFile) +
                  "); make one with `nabla train CONFIG --out " + dir + "`");
  r.cfg = io::load_config(cfg_path);
  try {
    json info = json::parse(read_file(info_path));
    r.input_shape = info.at("input_shape").get<Shape>();
    r.num_classes = info.at("num_classes").get<int64_t>();
    r.class_names = info.at("class_names").get<std::vector<std::string>>();
    r.scale = info.at("scale").get<std::string>();
  } catch (const json::exception& e) {
    throw IoError(info_path + ": corrupt run info (" + e.what() + ")");
  }
  r.weights_path = join_path(dir, kModelFile);
  if (!file_exists(r.weights_path)) r.weights_path = join_path(dir, kCheckpointFile);
  if (!file_exists(r.weights_path))
    throw IoError(dir + ": the run has no weights yet (no model.safetensors or checkpoint.safetensors)");
  manual_seed(static_cast<uint64_t>(r.cfg.get_int("seed", 0)));
  r.net = model_from_config(r.cfg.get_table("model"), r.input_shape, r.num_classes);
  load_model(*r.net, r.weights_path);
  r.loss = loss_from_config(r.cfg.get_table("loss"));
  return r;
}

ExperimentData load_run_data(const LoadedRun& run) { return load_experiment_data(run.cfg); }

}  // namespace nabla::train
