#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "nabla/data/split.hpp"

using namespace nabla;
using namespace nabla::data;

TEST(Split, TrainValIsDisjointCompleteAndSeeded) {
  const IndexSplit s = train_val_split(103, 0.2, 7);
  EXPECT_EQ(s.val.size(), 21u);
  EXPECT_EQ(s.train.size(), 82u);
  std::vector<int64_t> all = s.train;
  all.insert(all.end(), s.val.begin(), s.val.end());
  std::sort(all.begin(), all.end());
  for (int64_t i = 0; i < 103; ++i) EXPECT_EQ(all[static_cast<size_t>(i)], i);
  EXPECT_EQ(train_val_split(103, 0.2, 7).val, s.val);
  EXPECT_NE(train_val_split(103, 0.2, 8).val, s.val);
  EXPECT_THROW(train_val_split(10, 1.0, 0), Error);
}

TEST(Split, KFoldBlocksPartitionTheSet) {
  for (int64_t n : {10, 11, 99, 100}) {
    for (int64_t k : {2, 3, 5, 10}) {
      const auto folds = kfold(n, k, 3);
      ASSERT_EQ(static_cast<int64_t>(folds.size()), k);
      std::vector<int> count(static_cast<size_t>(n), 0);
      size_t lo = SIZE_MAX, hi = 0;
      for (const IndexSplit& f : folds) {
        lo = std::min(lo, f.val.size());
        hi = std::max(hi, f.val.size());
        EXPECT_EQ(f.train.size() + f.val.size(), static_cast<size_t>(n));
        std::set<int64_t> val(f.val.begin(), f.val.end());
        EXPECT_EQ(val.size(), f.val.size());
        for (int64_t t : f.train) EXPECT_EQ(val.count(t), 0u) << "train and val overlap";
        for (int64_t v : f.val) ++count[static_cast<size_t>(v)];
      }
      EXPECT_LE(hi - lo, 1u) << "n=" << n << " k=" << k;
      // Every sample is validated exactly once: the val blocks are disjoint and cover 0..n-1.
      for (int c : count) EXPECT_EQ(c, 1);
    }
  }
  EXPECT_NE(kfold(50, 5, 1)[0].val, kfold(50, 5, 2)[0].val);
  EXPECT_EQ(kfold(10, 5, 1, false)[1].val, (std::vector<int64_t>{2, 3}));
  EXPECT_THROW(kfold(3, 5, 0), Error);
  EXPECT_THROW(kfold(10, 1, 0), Error);
}

TEST(Split, BootstrapDrawsWithReplacementAndOutOfBagIsTheRest) {
  Generator gen(11);
  const int64_t n = 1000;
  const BootstrapSample b = bootstrap(n, gen);
  ASSERT_EQ(b.in_bag.size(), static_cast<size_t>(n));
  const std::set<int64_t> distinct(b.in_bag.begin(), b.in_bag.end());
  EXPECT_LT(distinct.size(), b.in_bag.size()) << "with replacement: duplicates expected";
  for (int64_t i = 0; i < n; ++i)
    EXPECT_EQ(std::binary_search(b.out_of_bag.begin(), b.out_of_bag.end(), i),
              distinct.count(i) == 0);
  EXPECT_EQ(distinct.size() + b.out_of_bag.size(), static_cast<size_t>(n));
  // About 1/e of the samples are never drawn.
  EXPECT_NEAR(b.out_of_bag.size() / double(n), 0.368, 0.05);
  EXPECT_EQ(bootstrap(10, gen, 25).in_bag.size(), 25u);
}

TEST(Split, WeightedSampleFollowsTheWeights) {
  Generator gen(12);
  const std::vector<int64_t> s = weighted_sample({1.0, 0.0, 3.0}, 8000, gen);
  int64_t c0 = std::count(s.begin(), s.end(), 0), c2 = std::count(s.begin(), s.end(), 2);
  EXPECT_EQ(std::count(s.begin(), s.end(), 1), 0);
  EXPECT_NEAR(c0 / 8000.0, 0.25, 0.02);
  EXPECT_EQ(c0 + c2, 8000);
  EXPECT_THROW(weighted_sample({0.0, 0.0}, 3, gen), Error);
  EXPECT_THROW(weighted_sample({1.0, -1.0}, 3, gen), Error);
}

TEST(Split, DatasetSplitGivesSubsets) {
  std::vector<int64_t> y(20);
  for (int64_t i = 0; i < 20; ++i) y[static_cast<size_t>(i)] = i;
  const TensorDataset ds(Tensor::zeros({20, 3}), Tensor::from_vector(y, {20}));
  const auto [tr, va] = train_val_split(ds, 0.25, 1);
  EXPECT_EQ(tr.size(), 15);
  EXPECT_EQ(va.size(), 5);
  EXPECT_EQ(va.all().targets.to_vector<int64_t>(), train_val_split(20, 0.25, 1).val);
}
