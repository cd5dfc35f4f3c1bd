#include "nabla/recipe/run.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nabla/core/parallel.hpp"
#include "nabla/recipe/model_config.hpp"
#include "nabla/train/checkpoint.hpp"

namespace nabla::recipe {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {
// What `--force` may delete: only files nabla writes into a run folder.
const std::vector<std::string>& run_files() {
  static const std::vector<std::string> f{
      train::kCheckpointFile, train::kBestFile, train::kModelFile, train::kMetricsFile,
      train::kConfigFile,     kRunInfoFile,     kSummaryFile,      "report.html"};
  return f;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}
}  // namespace

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

io::FolderLock prepare_run_dir(const std::string& dir, bool force) {
  std::error_code ec;
  if (fs::exists(dir, ec))
    NABLA_CHECK(fs::is_directory(dir, ec), "train", "--out ", dir, " exists and is not a folder");
  fs::create_directories(dir, ec);
  if (ec) throw IoError(dir + ": cannot create run folder (" + ec.message() + ")");
  // Locked before looking inside: a folder another training is writing is refused as such,
  // and --force cannot delete files from under it.
  io::FolderLock lock(dir);
  const bool empty = fs::is_empty(dir, ec);
  NABLA_CHECK(empty || force, "train", "run folder ", dir,
              " already exists; pass --force to overwrite it, --resume to continue it, or choose "
              "another --out");
  for (const auto& f : run_files()) fs::remove(fs::path(dir) / f, ec);
  return lock;
}

void check_resume_overrides(const std::vector<std::string>& overrides) {
  for (const std::string& a : overrides) {
    std::string key = a.substr(0, a.find('='));
    while (!key.empty() && key.back() == ' ') key.pop_back();
    const std::string top = key.substr(0, key.find_first_of(".["));
    const bool allowed = (top == "optimizer" && key != "optimizer.name") || top == "schedule" ||
                         top == "train" || top == "loss" || top == "augment";
    NABLA_CHECK(allowed, "--resume", "--set ", key,
                " cannot change a run being resumed (the checkpoint's weights, optimizer state and "
                "data order "
                "depend on it); on --resume only optimizer.* (not name), schedule.*, train.*, "
                "loss.* and augment.* "
                "may change; start a new run with another --out instead");
  }
}

namespace {
// Writes config.toml and run.json once the trainer is past loading the checkpoint (it calls
// on_train_begin after that), so a resume that fails to load changes nothing in the folder,
// then prints the model summary and the "training ..." line (a failed resume prints only its
// error).
class RunFilesCallback : public train::Callback {
 public:
  RunFilesCallback(std::string dir, std::string config_text, json info,
                   std::vector<std::string> overrides, std::ostream* log, std::string announce)
      : dir_(std::move(dir)),
        config_text_(std::move(config_text)),
        info_(std::move(info)),
        overrides_(std::move(overrides)),
        log_(log),
        announce_(std::move(announce)) {}

  void on_train_begin(train::TrainerState& s) override {
    if (s.history->resumed_from_epoch >= 0) {
      // Every resume and what it changed, so the record says which epochs ran with which values.
      json resumes = json::array();
      try {
        const json old = json::parse(read_file(train::join_path(dir_, kRunInfoFile)));
        if (old.contains("resumes") && old.at("resumes").is_array()) resumes = old.at("resumes");
      } catch (const std::exception&) {
        // an unreadable run.json is rewritten; only its resume list is lost
      }
      resumes.push_back({{"epochs_done", s.history->resumed_from_epoch},
                         {"global_step", s.global_step},
                         {"set", overrides_}});
      info_["resumes"] = resumes;
    }
    io::write_file_atomic(train::join_path(dir_, train::kConfigFile), config_text_);
    io::write_file_atomic(train::join_path(dir_, kRunInfoFile), info_.dump(1) + "\n");
    if (log_ != nullptr) *log_ << announce_ << std::endl;
  }

 private:
  std::string dir_, config_text_;
  json info_;
  std::vector<std::string> overrides_;
  std::ostream* log_;
  std::string announce_;
};
}  // namespace

io::Config resume_config(const std::string& dir, const std::vector<std::string>& overrides,
                         io::FolderLock& lock, const std::vector<std::string>& also) {
  check_resume_overrides(overrides);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw IoError(dir + ": nothing to resume (no such run folder)");
  lock = io::FolderLock(dir);
  std::vector<std::string> needed = {train::kConfigFile, train::kCheckpointFile};
  needed.insert(needed.end(), also.begin(), also.end());
  for (const std::string& f : needed)
    if (!train::file_exists(train::join_path(dir, f)))
      throw IoError(train::join_path(dir, f) + ": nothing to resume (no " + f + " there)");
  return io::load_config(train::join_path(dir, train::kConfigFile));
}

namespace {

// The config a run trains with: the run folder's own on --resume (flags may change only how it
// trains from here on; the folder is locked first), else the file given; then --set and --epochs.
// `changed` gets what the flags changed, for run.json's record.
io::Config run_config(const TrainRunOptions& ro, const std::string& dir, io::FolderLock& lock,
                      std::vector<std::string>& changed) {
  io::Config cfg;
  if (ro.resume) {
    cfg = resume_config(dir, ro.overrides, lock);
  } else {
    cfg = io::load_config(ro.config_path);
  }
  cfg.apply_overrides(ro.overrides);
  changed = ro.overrides;
  if (ro.epochs >= 0) {
    cfg.set("train.epochs", std::to_string(ro.epochs));
    changed.push_back("train.epochs=" + std::to_string(ro.epochs));
  }
  return cfg;
}

// run.json: what the data was, for eval/predict/report to rebuild it.
json run_info(const Experiment& e) {
  return {{"input_shape", e.data.input_shape},
          {"num_classes", e.data.num_classes},
          {"class_names", e.data.class_names},
          {"scale", e.data.scale},
          {"val_is_test", e.data.val_is_test},
          {"train_size", e.data.train.size()},
          {"val_size", e.data.val_is_test ? 0 : e.data.val.size()},
          {"test_size", e.data.test.size()},
          {"threads", get_num_threads()}};
}

// The model as built (Keras' model.summary()), then one line on the run. Printed where the
// progress goes, when training begins: after a resume's checkpoint has loaded, so a refused
// resume prints only its error.
std::string announcement(const Experiment& e, bool resume, const std::string& dir) {
  std::ostringstream announce;
  announce << format_summary(e.summary);
  announce << (resume ? "resuming " : "training ") << e.cfg.get_string("model.name", "model")
           << " (" << e.net->num_parameters() << " parameters) on " << e.data.train.size()
           << " images, validating on " << e.data.val.size()
           << (e.data.val_is_test ? " test" : " held-out") << " images, " << get_num_threads()
           << " thread(s); run folder " << dir;
  return announce.str();
}

// After training: model.safetensors, the test set's numbers, summary.json.
void finish_run(Experiment& e, const std::string& dir, TrainRunResult& result) {
  train::save_model(*e.net, train::join_path(dir, train::kModelFile));
  result.test = train::evaluate(*e.net, e.data.test, e.loss, e.options.eval_batch_size);
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
  io::write_file_atomic(train::join_path(dir, kSummaryFile), summary.dump(1) + "\n");
}

}  // namespace

TrainRunResult run_training(const TrainRunOptions& ro) {
  std::ostream& log = ro.log != nullptr ? *ro.log : std::cerr;
  TrainRunResult result;
  result.run_dir = ro.out_dir.empty() ? default_run_dir(ro.config_path) : ro.out_dir;
  const std::string& dir = result.run_dir;

  io::FolderLock lock;
  std::vector<std::string> changed;
  const io::Config cfg = run_config(ro, dir, lock, changed);
  Experiment e = make_experiment(cfg);
  if (!ro.resume) lock = prepare_run_dir(dir, ro.force);

  e.options.run_dir = dir;
  e.options.resume = ro.resume;
  e.options.progress = ro.progress;
  e.options.log = &log;
  e.options.stop_flag = ro.stop_flag;
  e.options.max_steps = ro.max_steps;
  train::Trainer trainer(e.options);
  trainer.add_callback(std::make_shared<RunFilesCallback>(
      dir, cfg.to_toml(), run_info(e), changed,
      ro.progress != train::ProgressMode::None ? &log : nullptr, announcement(e, ro.resume, dir)));
  result.history = trainer.fit(*e.net, *e.opt, e.loss, e.data.train, e.data.val);
  std::vector<double> secs;
  for (const auto& m : result.history.epochs) secs.push_back(m.seconds);
  result.median_epoch_seconds = median(secs);
  if (!result.history.interrupted) finish_run(e, dir, result);
  return result;
}

LoadedRun load_run(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw IoError(dir + (fs::exists(dir, ec)
                             ? ": is a file, expected a run folder written by `nabla train`"
                             : ": not a run folder (no such directory)"));
  LoadedRun r;
  r.dir = dir;
  const std::string cfg_path = train::join_path(dir, train::kConfigFile),
                    info_path = train::join_path(dir, kRunInfoFile);
  if (!train::file_exists(cfg_path) || !train::file_exists(info_path))
    throw IoError(dir + ": not a run folder (missing " +
                  (train::file_exists(cfg_path) ? kRunInfoFile : train::kConfigFile) +
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
  r.weights_path = train::join_path(dir, train::kModelFile);
  if (!train::file_exists(r.weights_path))
    r.weights_path = train::join_path(dir, train::kCheckpointFile);
  if (!train::file_exists(r.weights_path))
    throw IoError(dir +
                  ": the run has no weights yet (no model.safetensors or checkpoint.safetensors)");
  manual_seed(static_cast<uint64_t>(r.cfg.get_int("seed", 0)));
  r.net = model_from_config(r.cfg.get_table("model"), r.input_shape, r.num_classes);
  train::load_model(*r.net, r.weights_path);
  r.loss = loss_from_config(r.cfg.get_table("loss"));
  return r;
}

ExperimentData load_run_data(const LoadedRun& run) { return load_experiment_data(run.cfg); }

}  // namespace nabla::recipe
