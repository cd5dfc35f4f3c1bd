// DataLoader: walks a Dataset in batches, one epoch per `for (auto& batch : loader)`.
//
//   data::DataLoader train(data.train, {.batch_size = 64, .seed = 1});
//   for (int e = 0; e < epochs; ++e)
//     for (const data::Batch& b : train) step(b.inputs, b.targets);
//
// Order: epoch e's permutation comes from a generator seeded by (seed, e) alone, so it does
// not depend on what ran before: restoring {seed, epoch, batch} from a checkpoint replays the
// same batches. The transform of batch k of epoch e gets its own generator seeded by
// (seed, e, k), so augmentation is equally reproducible, prefetch or not.
//
// Prefetch: a worker thread gathers and transforms the next `prefetch` batches into a bounded
// queue while the caller trains on the current one. Destroying the loader (or starting a new
// epoch) mid-epoch stops and joins the worker; an exception in the worker (say, a transform's
// check) is rethrown to the caller at the batch where it happened.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "nabla/data/dataset.hpp"
#include "nabla/data/transforms.hpp"

namespace nabla::data {

struct DataLoaderOptions {
  // 1: per-sample SGD; N: mini-batch; 0: the whole set in one batch (full batch; the one
  // spelling of it, also in configs: train.batch_size = 0).
  int64_t batch_size = 64;
  bool shuffle = true;
  bool drop_last = false;  // drop a final batch smaller than batch_size
  uint64_t seed = 0;
  int prefetch = 2;  // batches prepared ahead by a worker thread; 0: no thread
  // PyTorch's shuffle stream instead of nabla's: epoch e's order is the (e+1)-th
  // torch.randperm(n, generator=torch.Generator().manual_seed(seed)) (core/torch_random.hpp).
  bool pytorch_order = false;
};

// Where a loader stands; a checkpoint stores it and set_state() restores it.
struct DataLoaderState {
  uint64_t seed = 0;
  int64_t epoch = 0;  // the epoch the next iteration runs
  int64_t batch = 0;  // the batch of that epoch it starts at (non-zero: resumed mid-epoch)
};

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {},
             Transform transform = {});
  // Copies the (cheap, tensor-sharing) dataset handle so the loader owns what it reads.
  DataLoader(const TensorDataset& dataset, DataLoaderOptions options = {},
             Transform transform = {});
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  int64_t dataset_size() const { return dataset_->size(); }
  bool full_batch() const { return options_.batch_size == 0; }
  int64_t batch_size() const;   // effective: the dataset size in full-batch mode
  int64_t num_batches() const;  // per epoch, honouring drop_last
  const DataLoaderOptions& options() const { return options_; }

  // The sample order of epoch `epoch` (identity when shuffle is off). Pure function of seed.
  std::vector<int64_t> epoch_order(int64_t epoch) const;

  DataLoaderState state() const;
  void set_state(const DataLoaderState& s);
  void set_epoch(int64_t epoch) { set_state({options_.seed, epoch, 0}); }
  int64_t epoch() const { return next_epoch_; }

  // Explicit iteration: start_epoch() then next() until it returns nullopt.
  void start_epoch();
  std::optional<Batch> next();

  class Iterator {
   public:
    using value_type = Batch;
    Iterator() = default;
    explicit Iterator(DataLoader* loader) : loader_(loader) { advance(); }
    const Batch& operator*() const { return *current_; }
    const Batch* operator->() const { return &*current_; }
    Iterator& operator++() {
      advance();
      return *this;
    }
    bool operator==(const Iterator& o) const { return !current_ && !o.current_; }
    bool operator!=(const Iterator& o) const { return !(*this == o); }

   private:
    void advance() { current_ = loader_->next(); }
    DataLoader* loader_ = nullptr;
    std::optional<Batch> current_;
  };
  // Starts the next epoch (see epoch()) and walks it.
  Iterator begin() {
    start_epoch();
    return Iterator(this);
  }
  Iterator end() { return Iterator(); }

 private:
  Batch make_batch(int64_t epoch, int64_t k) const;
  void stop_worker();
  void worker_loop(int64_t epoch, int64_t first, int64_t last);

  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  Transform transform_;

  int64_t next_epoch_ = 0;   // epoch the next start_epoch() runs
  int64_t start_batch_ = 0;  // batch that epoch starts at (from set_state)
  // The epoch in progress.
  bool active_ = false;
  int64_t cur_epoch_ = 0;
  int64_t cur_batch_ = 0;  // next batch next() returns
  std::vector<int64_t> order_;

  // Prefetch queue, filled by worker_ in batch order.
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Batch> queue_;
  std::exception_ptr error_;
  bool stop_ = false;
};

// Mixes a seed with stream numbers (epoch, batch) into an independent seed (splitmix64).
uint64_t mix_seed(uint64_t seed, uint64_t a, uint64_t b = 0);

}  // namespace nabla::data
