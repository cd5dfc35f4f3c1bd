// Parts of the run reports shared by classification runs (report.cpp) and segmentation runs
// (segment_report.cpp), so both pages read and draw a run folder the same way.
#pragma once
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "nabla/train/metrics_csv.hpp"

namespace nabla::report {

// The run's metrics.csv; empty when it has none yet (an interrupted first epoch).
std::vector<train::EpochMetrics> read_run_metrics(const std::string& run_dir);

// The figures of a run's summary.json (written when training ends) that the pages show.
struct RunSummary {
  bool present = false;  // false: no summary.json (an interrupted run); the rest is unset
  int64_t best_epoch = 0;
  bool stopped_early = false;
  bool restored_best = false;
  double median_epoch_seconds = NAN;
  double train_seconds = NAN;  // segmentation runs: the training loops, without evaluation
  int64_t threads = 0;
};
// IoError when summary.json is there but corrupt.
RunSummary read_run_summary(const std::string& run_dir);

// Loss curves (train and validation), accuracy curves when the epochs have an accuracy (a
// segmentation run's have none), and the learning rate when it varies, as inline SVG.
std::string training_curves(const std::vector<train::EpochMetrics>& epochs);

// One row per epoch: losses, accuracies, the gap, lr, timings.
std::string epochs_table(const std::vector<train::EpochMetrics>& epochs);

// confusion[t * names.size() + p]: samples (or pixels) of true class t predicted as p. Green
// diagonal, red off-diagonal cells, with each row's recall.
std::string confusion_table(const std::vector<std::string>& names,
                            const std::vector<int64_t>& confusion);

// The page's last parts: the run's config (TOML text) and what drew the charts.
std::string config_and_colophon(const std::string& config_toml);

// A PNG (data::encode_png) as an inline image with its caption below (CSS class "scene").
std::string image_figure(const std::string& png_bytes, const std::string& caption);

// A colour swatch of the palette colour of class k (vision::class_palette), for legends.
std::string palette_swatch(int64_t k);
// names[k] beside palette_swatch(k), for at most the palette's 10 colours.
std::string palette_legend(const std::vector<std::string>& names);

}  // namespace nabla::report
