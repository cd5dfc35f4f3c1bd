// metrics.csv, the per-epoch log of a run:
// epoch,train_loss,train_acc,val_loss,val_acc,gap,lr,seconds,eval_seconds,images_per_s.
// Written by MetricsCsvCallback (callbacks.hpp), read back by reports (nabla/report/).
#pragma once
#include <string>
#include <vector>

#include "nabla/train/trainer.hpp"

namespace nabla::train {

std::string metrics_csv_header();
std::string metrics_csv_row(const EpochMetrics& m);
// The whole file, replaced atomically (io::write_file_atomic): a reader never sees half a row.
void write_metrics_csv(const std::string& path, const std::vector<EpochMetrics>& epochs);
// Reads a metrics.csv back. Throws IoError on a malformed file.
std::vector<EpochMetrics> read_metrics_csv(const std::string& path);

}  // namespace nabla::train
