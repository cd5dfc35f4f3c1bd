// `nabla compare RUN...`: one self-contained HTML page overlaying several runs' curves
// (validation loss and accuracy, training loss) against epoch, training images seen and
// training wall-clock seconds, one series per run, plus a table of each run's settings and
// final figures. Made for the notes' gradient-descent comparison (per-sample, mini-batch and
// full-batch runs of configs/gd_*.toml), but works for any runs of `nabla train`.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nabla/train/trainer.hpp"

namespace nabla::report {

// What compare reads from one run folder (config.toml, run.json, metrics.csv, summary.json).
struct ComparedRun {
  std::string dir;
  std::string name;         // the folder's last path component
  std::string config_name;  // model.name from config.toml
  int64_t batch_size = 0;   // 0 = full batch
  std::string optimizer;
  double lr = 0;
  int64_t train_size = 0;  // training images per epoch (run.json)
  std::vector<train::EpochMetrics> epochs;
  double test_accuracy = train::kNaN;  // summary.json; NaN when the run did not finish
  std::string label() const;           // "name (batch 16)" / "name (full batch)"
};

// Throws IoError (one line) when `dir` is missing or lacks a readable config.toml, run.json or
// metrics.csv.
ComparedRun load_compared_run(const std::string& dir);

// Writes the page (at least two runs) and returns its path; `out` empty = runs/compare.html.
std::string write_compare(const std::vector<std::string>& run_dirs, const std::string& out = "");

}  // namespace nabla::report
