// Index splits for model selection: hold-out train/validation, K-fold cross-validation and
// bootstrap resampling (bagging), plus weighted resampling (boosting). All are functions of
// (n, seed) alone and return sample indices; TensorDataset::subset turns them into datasets.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "nabla/core/random.hpp"
#include "nabla/data/dataset.hpp"

namespace nabla::data {

// A uniformly random permutation of 0..n-1 (Fisher-Yates).
std::vector<int64_t> permutation(int64_t n, Generator& gen);

struct IndexSplit {
  std::vector<int64_t> train;
  std::vector<int64_t> val;
};

// Shuffles 0..n-1 and holds out round(n * val_fraction) samples for validation; both parts are
// returned sorted, so the split does not change the order a loader without shuffle sees.
IndexSplit train_val_split(int64_t n, double val_fraction, uint64_t seed);
std::pair<TensorDataset, TensorDataset> train_val_split(const TensorDataset& ds,
                                                        double val_fraction, uint64_t seed);

// K folds of 0..n-1 (shuffled by seed when `shuffle`): fold i's val part is its own block,
// its train part everything else. Blocks are disjoint, cover 0..n-1, and differ in size by at
// most one (the first n % k blocks get the extra sample).
std::vector<IndexSplit> kfold(int64_t n, int64_t k, uint64_t seed, bool shuffle = true);

struct BootstrapSample {
  std::vector<int64_t> in_bag;      // `size` draws with replacement, in draw order
  std::vector<int64_t> out_of_bag;  // sorted indices never drawn (~36.8% of n for size = n)
};
// Draws `size` indices (n when size < 0) uniformly with replacement.
BootstrapSample bootstrap(int64_t n, Generator& gen, int64_t size = -1);

// Draws `size` indices with replacement, index i with probability weights[i] / sum(weights)
// (boosting by resampling). Weights must be >= 0 with a positive sum.
std::vector<int64_t> weighted_sample(const std::vector<double>& weights, int64_t size,
                                     Generator& gen);

}  // namespace nabla::data
