#include "nabla/train/metrics_csv.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "nabla/core/error.hpp"
#include "nabla/io/atomic_file.hpp"

namespace nabla::train {

namespace {
std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}
}  // namespace

std::string metrics_csv_header() {
  return "epoch,train_loss,train_acc,val_loss,val_acc,gap,lr,seconds,eval_seconds,images_per_s";
}

std::string metrics_csv_row(const EpochMetrics& m) {
  std::ostringstream os;
  os << m.epoch;
  for (double v : {m.train_loss, m.train_acc, m.val_loss, m.val_acc, m.gap(), m.lr, m.seconds,
                   m.eval_seconds, m.images_per_s})
    os << "," << fmt("%.9g", v);
  return os.str();
}

std::vector<EpochMetrics> read_metrics_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError(path + ": cannot open metrics file");
  std::string line;
  std::getline(in, line);
  if (line != metrics_csv_header())
    throw IoError(path + ": not a nabla metrics.csv (unexpected header)");
  std::vector<EpochMetrics> out;
  int lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    std::vector<double> v;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) {
      char* end = nullptr;
      v.push_back(std::strtod(cell.c_str(), &end));
      if (end == cell.c_str())
        throw IoError(path + ":" + std::to_string(lineno) + ": bad number '" + cell + "'");
    }
    if (v.size() != 10)
      throw IoError(path + ":" + std::to_string(lineno) + ": expected 10 columns");
    EpochMetrics m;
    m.epoch = static_cast<int64_t>(v[0]);
    m.train_loss = v[1];
    m.train_acc = v[2];
    m.val_loss = v[3];
    m.val_acc = v[4];
    m.lr = v[6];
    m.seconds = v[7];
    m.eval_seconds = v[8];
    m.images_per_s = v[9];
    out.push_back(m);
  }
  return out;
}

// The whole file through io::AtomicFile: a reader never sees half a row, and a full disk leaves
// the previous version (one epoch shorter) instead of a torn one. Rows are few (one per epoch).
void write_metrics_csv(const std::string& path, const std::vector<EpochMetrics>& epochs) {
  std::string text = metrics_csv_header() + "\n";
  for (const auto& m : epochs) text += metrics_csv_row(m) + "\n";
  io::write_file_atomic(path, text);
}

}  // namespace nabla::train
