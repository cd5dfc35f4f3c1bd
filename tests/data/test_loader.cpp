#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "nabla/data/loader.hpp"

using namespace nabla;
using namespace nabla::data;

namespace {

// inputs row i = {i, i + 0.5}, target i = i: a batch shows exactly which samples it holds.
TensorDataset counting_dataset(int64_t n) {
  std::vector<float> x;
  std::vector<int64_t> y;
  for (int64_t i = 0; i < n; ++i) {
    x.push_back(static_cast<float>(i));
    x.push_back(static_cast<float>(i) + 0.5f);
    y.push_back(i);
  }
  return TensorDataset(Tensor::from_vector(x, {n, 2}), Tensor::from_vector(y, {n}));
}

std::vector<std::vector<int64_t>> run_epoch(DataLoader& loader) {
  std::vector<std::vector<int64_t>> out;
  for (const Batch& b : loader) {
    const std::vector<int64_t> y = b.targets.to_vector<int64_t>();
    EXPECT_EQ(y, b.indices);
    const std::vector<float> x = b.inputs.to_vector<float>();
    for (size_t j = 0; j < y.size(); ++j) EXPECT_EQ(x[2 * j], static_cast<float>(y[j]));
    out.push_back(y);
  }
  return out;
}

std::vector<int64_t> flat(const std::vector<std::vector<int64_t>>& v) {
  std::vector<int64_t> f;
  for (const auto& b : v) f.insert(f.end(), b.begin(), b.end());
  return f;
}

}  // namespace

TEST(TensorDataset, GathersRowsAndComposesSubsets) {
  const TensorDataset ds = counting_dataset(10);
  const Batch b = ds.get_batch({7, 2, 2});
  EXPECT_EQ(b.inputs.shape(), (Shape{3, 2}));
  EXPECT_EQ(b.inputs.to_vector<float>(), (std::vector<float>{7, 7.5, 2, 2.5, 2, 2.5}));
  const TensorDataset sub = ds.subset({9, 8, 1, 0});
  EXPECT_EQ(sub.size(), 4);
  const TensorDataset subsub = sub.subset({2, 0});
  EXPECT_EQ(subsub.all().targets.to_vector<int64_t>(), (std::vector<int64_t>{1, 9}));
  EXPECT_EQ(ds.take(3).all().targets.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2}));
  EXPECT_THROW(ds.get_batch({10}), Error);
  EXPECT_THROW(sub.get_batch({4}), Error);
  EXPECT_THROW(TensorDataset(Tensor::zeros({3, 2}), Tensor::zeros({4})), Error);
}

TEST(DataLoader, SameSeedSameOrderEachEpochAPermutation) {
  const TensorDataset ds = counting_dataset(50);
  DataLoader a(ds, {.batch_size = 8, .seed = 42});
  DataLoader b(ds, {.batch_size = 8, .seed = 42, .prefetch = 0});
  DataLoader c(ds, {.batch_size = 8, .seed = 43});
  const auto a0 = run_epoch(a), a1 = run_epoch(a);
  EXPECT_EQ(a0, run_epoch(b));
  EXPECT_EQ(a1, run_epoch(b));
  EXPECT_NE(a0, a1);            // reshuffled each epoch
  EXPECT_NE(a0, run_epoch(c));  // seed matters
  for (const auto& e : {a0, a1}) {
    std::vector<int64_t> all = flat(e);
    std::sort(all.begin(), all.end());
    for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(all[static_cast<size_t>(i)], i);
  }
  EXPECT_EQ(flat(a0), a.epoch_order(0));
  DataLoader plain(ds, {.batch_size = 8, .shuffle = false});
  const auto p = flat(run_epoch(plain));
  for (int64_t i = 0; i < 50; ++i) EXPECT_EQ(p[static_cast<size_t>(i)], i);
}

TEST(DataLoader, BatchSizesPerSampleMiniFullAndDropLast) {
  const TensorDataset ds = counting_dataset(10);
  auto sizes = [](DataLoader& l) {
    std::vector<int64_t> s;
    for (const Batch& b : l) s.push_back(b.size());
    return s;
  };
  DataLoader mini(ds, {.batch_size = 3});
  EXPECT_EQ(sizes(mini), (std::vector<int64_t>{3, 3, 3, 1}));
  EXPECT_EQ(mini.num_batches(), 4);
  DataLoader drop(ds, {.batch_size = 3, .drop_last = true});
  EXPECT_EQ(sizes(drop), (std::vector<int64_t>{3, 3, 3}));
  EXPECT_EQ(drop.num_batches(), 3);
  DataLoader sgd(ds, {.batch_size = 1});
  EXPECT_EQ(sizes(sgd), std::vector<int64_t>(10, 1));
  DataLoader full(ds, {.batch_size = 0});  // the one spelling of full batch
  EXPECT_EQ(sizes(full), (std::vector<int64_t>{10}));
  EXPECT_TRUE(full.full_batch());
  EXPECT_EQ(full.batch_size(), 10);
  EXPECT_EQ(full.num_batches(), 1);
  EXPECT_FALSE(mini.full_batch());
  DataLoader big(ds, {.batch_size = 32, .drop_last = true});
  EXPECT_EQ(sizes(big), std::vector<int64_t>{});
  EXPECT_THROW(DataLoader(ds, {.batch_size = -1}), Error);
}

TEST(DataLoader, PrefetchGivesTheSameBatchesAsSynchronous) {
  const TensorDataset ds = counting_dataset(40);
  const Transform noise = transforms::GaussianNoise(0.1);
  DataLoader sync(ds, {.batch_size = 6, .seed = 5, .prefetch = 0}, noise);
  DataLoader pre(ds, {.batch_size = 6, .seed = 5, .prefetch = 3}, noise);
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::vector<std::vector<float>> xs, ys;
    for (const Batch& b : sync) xs.push_back(b.inputs.to_vector<float>());
    for (const Batch& b : pre) ys.push_back(b.inputs.to_vector<float>());
    EXPECT_EQ(xs, ys);
    EXPECT_EQ(xs.size(), 7u);
  }
}

TEST(DataLoader, DestroyedMidEpochDoesNotHang) {
  const TensorDataset ds = counting_dataset(1000);
  std::atomic<int> made{0};
  const Transform slow = [&](const Tensor& x, Generator&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ++made;
    return x;
  };
  const auto t0 = std::chrono::steady_clock::now();
  {
    DataLoader loader(ds, {.batch_size = 2, .prefetch = 4}, slow);
    int seen = 0;
    for (const Batch& b : loader) {
      (void)b;
      if (++seen == 3) break;  // leave the worker with a full queue, blocked
    }
    // A new epoch while the old one's worker is alive must also stop it cleanly.
    loader.start_epoch();
    EXPECT_TRUE(loader.next().has_value());
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(secs, 2.0);
  // The worker stayed within its bound instead of racing through the 500 batches.
  EXPECT_LT(made.load(), 20);
}

TEST(DataLoader, StateRestoresMidEpoch) {
  const TensorDataset ds = counting_dataset(30);
  DataLoader a(ds, {.batch_size = 4, .seed = 9}, transforms::GaussianNoise(1.0));
  for (const Batch& b : a) (void)b;  // epoch 0
  a.start_epoch();                   // epoch 1
  ASSERT_TRUE(a.next());
  ASSERT_TRUE(a.next());
  const DataLoaderState st = a.state();
  EXPECT_EQ(st.epoch, 1);
  EXPECT_EQ(st.batch, 2);
  std::vector<std::vector<float>> rest_a;
  while (auto b = a.next()) rest_a.push_back(b->inputs.to_vector<float>());

  DataLoader b(ds, {.batch_size = 4, .seed = 0}, transforms::GaussianNoise(1.0));
  b.set_state(st);
  std::vector<std::vector<float>> rest_b;
  for (const Batch& batch : b) rest_b.push_back(batch.inputs.to_vector<float>());
  EXPECT_EQ(rest_a, rest_b);  // same samples, same noise
  EXPECT_EQ(rest_b.size(), 6u);
  EXPECT_EQ(b.state().epoch, 2);
  EXPECT_EQ(a.state().epoch, 2);
  EXPECT_THROW(b.set_state({0, 0, 99}), Error);
}

TEST(DataLoader, WorkerErrorsReachTheCaller) {
  const TensorDataset ds = counting_dataset(20);
  int calls = 0;  // only the single worker thread touches it
  const Transform flaky = [&](const Tensor& x, Generator&) {
    if (++calls == 3) throw Error("flaky: third batch");
    return x;
  };
  DataLoader loader(ds, {.batch_size = 4, .prefetch = 2}, flaky);
  loader.start_epoch();
  EXPECT_TRUE(loader.next());
  EXPECT_TRUE(loader.next());
  EXPECT_THROW(loader.next(), Error);
  EXPECT_FALSE(loader.next());  // the epoch is over after an error
}
