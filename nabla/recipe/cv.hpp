// K-fold cross-validation (notes, section 4): the training set is cut into K folds; each fold
// is the validation set once while a fresh model trains on the other K-1. The spread of the K
// scores says how much one train/validation split can be trusted.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <vector>

#include "nabla/io/config.hpp"
#include "nabla/train/trainer.hpp"

namespace nabla::recipe {

struct FoldResult {
  int64_t fold = 0;  // 1-based
  int64_t train_size = 0;
  int64_t val_size = 0;
  double train_loss = train::kNaN;  // last epoch
  double train_acc = train::kNaN;
  double val_loss = train::kNaN;  // the final model on the held-out fold
  double val_acc = train::kNaN;
  double seconds = 0;
};

struct CvResult {
  std::vector<FoldResult> folds;
  double mean_acc = train::kNaN, std_acc = train::kNaN;  // sample standard deviation over folds
  double mean_loss = train::kNaN, std_loss = train::kNaN;
};

// Trains one model per fold with the config's recipe (model seeds seed+fold, so folds differ only
// in data and init). `log` gets one line per fold when non-null.
CvResult cross_validate(const io::Config& cfg, int64_t folds, std::ostream* log = nullptr);

}  // namespace nabla::recipe
