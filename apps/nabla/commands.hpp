// The subcommands of `nabla`: each registers its flags on a CLI11 subcommand and runs as one
// call into the library. They print results to stdout and progress to stderr, and report
// failures by throwing (nabla::Error, IoError, DivergedError); main.cpp turns those into one
// line on stderr and an exit code, and is the only place that reads argv or the environment.
#pragma once
#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "nabla/core/error.hpp"
#include "nabla/train/trainer.hpp"

namespace nabla::app {

enum class Outcome { Ok, Interrupted };

// What main decides for every command.
struct Context {
  train::ProgressMode progress = train::ProgressMode::Lines;  // Bar on a terminal
  const std::atomic<bool>* stop_flag = nullptr;               // raised by SIGINT
};

struct TrainArgs {
  std::string config;
  int64_t epochs = -1;
  std::string out;
  std::vector<std::string> sets;
  bool resume = false;
  bool force = false;
  int threads = 0;
  int64_t max_steps = 0;
};
CLI::App* add_train_command(CLI::App& app, TrainArgs& a);
Outcome run_train_command(const TrainArgs& a, const Context& ctx);

struct EvalArgs {
  std::string run;
  int threads = 0;
};
CLI::App* add_eval_command(CLI::App& app, EvalArgs& a);
Outcome run_eval_command(const EvalArgs& a, const Context& ctx);

struct PredictArgs {
  std::string run;
  std::vector<std::string> images;
  int top = 1;
  std::string invert = "auto";
};
CLI::App* add_predict_command(CLI::App& app, PredictArgs& a);
Outcome run_predict_command(const PredictArgs& a, const Context& ctx);

struct CvArgs {
  std::string config;
  int64_t folds = 5;
  int64_t epochs = -1;
  std::vector<std::string> sets;
  std::string out;
  int threads = 0;
};
CLI::App* add_cv_command(CLI::App& app, CvArgs& a);
Outcome run_cv_command(const CvArgs& a, const Context& ctx);

struct EnsembleArgs {
  std::string config;
  std::string method = "bagging";
  int64_t members = 5;
  int64_t epochs = -1;
  std::vector<std::string> sets;
  std::string out;
  int threads = 0;
};
CLI::App* add_ensemble_command(CLI::App& app, EnsembleArgs& a);
Outcome run_ensemble_command(const EnsembleArgs& a, const Context& ctx);

struct ReportArgs {
  std::string run;
  std::string out;   // default RUN/report.html
  int samples = -1;  // -1: the report's default (32 images, 8 scenes)
};
CLI::App* add_report_command(CLI::App& app, ReportArgs& a);
Outcome run_report_command(const ReportArgs& a, const Context& ctx);

struct CompareArgs {
  std::vector<std::string> runs;
  std::string out;  // default runs/compare.html
};
CLI::App* add_compare_command(CLI::App& app, CompareArgs& a);
Outcome run_compare_command(const CompareArgs& a, const Context& ctx);

struct ListArgs {
  std::string kind;  // empty: every registry
  bool markdown = false;
};
CLI::App* add_list_command(CLI::App& app, ListArgs& a);
Outcome run_list_command(const ListArgs& a, const Context& ctx);

struct DemoArgs {
  std::string what;
  std::string out;  // default runs/demo_<what>.html
};
CLI::App* add_demo_command(CLI::App& app, DemoArgs& a);
Outcome run_demo_command(const DemoArgs& a, const Context& ctx);

struct SummaryArgs {
  std::string config;
  std::vector<std::string> sets;
};
CLI::App* add_summary_command(CLI::App& app, SummaryArgs& a);
Outcome run_summary_command(const SummaryArgs& a, const Context& ctx);

struct ScenesArgs {
  std::string out;
  int64_t count = 0;
  std::string split = "train";
  int64_t seed = 0;
  int64_t size = 112;
  std::string data;  // default: Debian's Fashion-MNIST folder
};
CLI::App* add_scenes_command(CLI::App& app, ScenesArgs& a);
Outcome run_scenes_command(const ScenesArgs& a, const Context& ctx);

struct HeatmapArgs {
  std::string run;
  std::string scene;
  std::string out;  // default RUN/heatmap_<scene file stem>.png
  std::string cls = "all";
  int scale = 4;
};
CLI::App* add_heatmap_command(CLI::App& app, HeatmapArgs& a);
Outcome run_heatmap_command(const HeatmapArgs& a, const Context& ctx);

// ONNX (cmd_onnx.cpp; without libonnx-dev at build time they say so and exit 1)
struct ExportArgs {
  std::string run;
  std::string onnx;  // the output .onnx file
  int64_t opset = 13;
};
CLI::App* add_export_command(CLI::App& app, ExportArgs& a);
Outcome run_export_command(const ExportArgs& a, const Context& ctx);

struct OnnxRunArgs {
  std::string model;
  std::vector<std::string> inputs;  // NAME=FILE.pb
  std::string output_dir;
  int repeat = 0;   // timed runs after the first, for a median (bench/compare_onnx_run.py)
  int threads = 0;  // 0: all cores
};
CLI::App* add_onnx_run_command(CLI::App& app, OnnxRunArgs& a);
Outcome run_onnx_run_command(const OnnxRunArgs& a, const Context& ctx);

struct OnnxTestArgs {
  std::vector<std::string> dirs;
  double rtol = 1e-3, atol = 1e-4;
};
CLI::App* add_onnx_test_command(CLI::App& app, OnnxTestArgs& a);
Outcome run_onnx_test_command(const OnnxTestArgs& a, const Context& ctx);
// Lets configs import models (`[model] onnx = "x.onnx"`, recipe/imported_model.hpp); a no-op
// without the onnx layer, where such a config then says what to install.
void install_onnx_model_loader();

struct SegmentArgs {
  std::string action;  // "train" | "eval" | "predict": the sub-subcommand that parsed
  std::string config;
  std::string run;
  std::string scene;
  std::string out;
  std::vector<std::string> sets;
  int64_t epochs = -1;
  bool force = false;
  int threads = 0;
  int64_t max_steps = 0;
  bool resume = false;
  bool vote = false;  // predict: draw the mask after vision::vote_components
};
CLI::App* add_segment_command(CLI::App& app, SegmentArgs& a);
Outcome run_segment_command(const SegmentArgs& a, const Context& ctx);

// A bad combination of flags found after parsing (e.g. --resume with --force): exit code 2,
// like CLI11's own parse errors.
class UsageError : public Error {
 public:
  using Error::Error;
};

// --threads is bounded so a typo (100000) is an error, not 100000 OpenMP threads; 1024 is
// far above any CPU nabla runs on yet the same on every machine, so a script that parses on a
// server parses on a laptop.
inline constexpr int kMaxThreads = 1024;
inline constexpr int64_t kNoLimit = INT64_MAX;
// A CLI11 check for whole numbers in [lo, hi] whose message states that range.
CLI::Validator int_range(int64_t lo, int64_t hi = kNoLimit);
CLI::Option* add_threads_option(CLI::App* c, int& threads);
// Sets the thread count when n > 0 (0 keeps the default: all cores).
void apply_threads(int n);

}  // namespace nabla::app
