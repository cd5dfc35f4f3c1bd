// K-fold cross-validation (notes, section 4): the training set is cut into K folds; each fold
// is the validation set once while a fresh model trains on the other K-1. The spread of the K
// scores says how much one train/validation split can be trusted.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <vector>

#include "nabla/io/config.hpp"
#include "nabla/train/trainer.hpp"

namespace nabla::train {

struct FoldResult {
  int64_t fold = 0;  // 1-based
  int64_t train_size = 0;
  int64_t val_size = 0;
  double train_loss = kNaN;  // last epoch
  double train_acc = kNaN;
  double val_loss = kNaN;  // the final model on the held-out fold
  double val_acc = kNaN;
  double seconds = 0;
};

struct CvResult {
  std::vector<FoldResult> folds;
  double mean_acc = kNaN, std_acc = kNaN;  // sample standard deviation over folds
  double mean_loss = kNaN, std_loss = kNaN;
};

// Trains one model per fold with the config's recipe (model seeds seed+fold, so folds differ only
// in data and init). `log` gets one line per fold when non-null.
CvResult cross_validate(const io::Config& cfg, int64_t folds, std::ostream* log = nullptr);

// mean and sample std of values (std = 0 for one value).
std::pair<double, double> mean_std(const std::vector<double>& v);

}  // namespace nabla::train
