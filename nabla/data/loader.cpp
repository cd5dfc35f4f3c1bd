#include "nabla/data/loader.hpp"

#include <algorithm>
#include <numeric>

#include "nabla/core/torch_random.hpp"

namespace nabla::data {
namespace {

uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Distinct streams so the shuffle and the augmentation of one seed never share numbers.
constexpr uint64_t kOrderStream = 0x6f72646572ULL;      // "order"
constexpr uint64_t kAugmentStream = 0x6175676d656eULL;  // "augmen"

}  // namespace

uint64_t mix_seed(uint64_t seed, uint64_t a, uint64_t b) {
  return mix64(mix64(mix64(seed) ^ a) ^ b);
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options,
                       Transform transform)
    : dataset_(std::move(dataset)), options_(options), transform_(std::move(transform)) {
  NABLA_CHECK(dataset_ != nullptr, "DataLoader", "dataset is null");
  NABLA_CHECK(options_.batch_size >= 0, "DataLoader",
              "batch_size must be >= 0 (0 = full batch), got ", options_.batch_size);
  NABLA_CHECK(options_.prefetch >= 0, "DataLoader", "prefetch must be >= 0, got ",
              options_.prefetch);
}

DataLoader::DataLoader(const TensorDataset& dataset, DataLoaderOptions options, Transform transform)
    : DataLoader(std::make_shared<TensorDataset>(dataset), options, std::move(transform)) {}

DataLoader::~DataLoader() { stop_worker(); }

int64_t DataLoader::batch_size() const {
  return full_batch() ? std::max<int64_t>(dataset_->size(), 1) : options_.batch_size;
}

int64_t DataLoader::num_batches() const {
  const int64_t n = dataset_->size(), b = batch_size();
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::vector<int64_t> DataLoader::epoch_order(int64_t epoch) const {
  std::vector<int64_t> order(static_cast<size_t>(dataset_->size()));
  std::iota(order.begin(), order.end(), 0);
  if (options_.shuffle && options_.pytorch_order) {
    // PyTorch draws one permutation per epoch from one generator: replay the earlier epochs'
    // (a few ms each for 60k samples) so the order stays a function of (seed, epoch) alone.
    TorchGenerator gen(options_.seed);
    for (int64_t e = 0; e <= epoch; ++e) order = gen.randperm(dataset_->size());
  } else if (options_.shuffle) {
    Generator gen(mix_seed(options_.seed ^ kOrderStream, static_cast<uint64_t>(epoch)));
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[gen.below(i)]);
  }
  return order;
}

DataLoaderState DataLoader::state() const {
  if (active_ && cur_batch_ < num_batches()) return {options_.seed, cur_epoch_, cur_batch_};
  if (active_) return {options_.seed, cur_epoch_ + 1, 0};
  return {options_.seed, next_epoch_, start_batch_};
}

void DataLoader::set_state(const DataLoaderState& s) {
  NABLA_CHECK(s.epoch >= 0 && s.batch >= 0, "DataLoader::set_state",
              "epoch and batch must be >= 0, got epoch ", s.epoch, " batch ", s.batch);
  NABLA_CHECK(s.batch <= num_batches(), "DataLoader::set_state", "batch ", s.batch, " is past the ",
              num_batches(), " batches of an epoch (different batch size or dataset?)");
  stop_worker();
  active_ = false;
  options_.seed = s.seed;
  next_epoch_ = s.epoch;
  start_batch_ = s.batch;
}

Batch DataLoader::make_batch(int64_t epoch, int64_t k) const {
  const int64_t b = batch_size();
  const int64_t begin = k * b;
  const int64_t end = std::min<int64_t>(begin + b, static_cast<int64_t>(order_.size()));
  std::vector<int64_t> idx(order_.begin() + begin, order_.begin() + end);
  Batch batch = dataset_->get_batch(idx);
  if (transform_) {
    Generator gen(mix_seed(options_.seed ^ kAugmentStream, static_cast<uint64_t>(epoch),
                           static_cast<uint64_t>(k)));
    batch.inputs = transform_(batch.inputs, gen);
  }
  return batch;
}

void DataLoader::start_epoch() {
  stop_worker();
  cur_epoch_ = next_epoch_;
  cur_batch_ = start_batch_;
  ++next_epoch_;
  start_batch_ = 0;
  order_ = epoch_order(cur_epoch_);
  active_ = true;
  const int64_t nb = num_batches();
  if (options_.prefetch > 0 && cur_batch_ < nb) {
    stop_ = false;
    queue_.clear();
    error_ = nullptr;
    worker_ = std::thread(&DataLoader::worker_loop, this, cur_epoch_, cur_batch_, nb);
  }
}

std::optional<Batch> DataLoader::next() {
  if (!active_) return std::nullopt;
  if (cur_batch_ >= num_batches()) {
    active_ = false;
    stop_worker();
    return std::nullopt;
  }
  if (!worker_.joinable()) return make_batch(cur_epoch_, cur_batch_++);

  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !queue_.empty() || error_; });
  if (queue_.empty()) {
    std::exception_ptr err = error_;
    lock.unlock();
    active_ = false;
    stop_worker();
    std::rethrow_exception(err);
  }
  Batch b = std::move(queue_.front());
  queue_.pop_front();
  lock.unlock();
  cv_.notify_all();
  ++cur_batch_;
  return b;
}

void DataLoader::worker_loop(int64_t epoch, int64_t first, int64_t last) {
  try {
    for (int64_t k = first; k < last; ++k) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock,
                 [&] { return stop_ || static_cast<int64_t>(queue_.size()) < options_.prefetch; });
        if (stop_) return;
      }
      Batch b = make_batch(epoch, k);  // the slow part, outside the lock
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_) return;
        queue_.push_back(std::move(b));
      }
      cv_.notify_all();
    }
  } catch (...) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = std::current_exception();
    }
    cv_.notify_all();
  }
}

void DataLoader::stop_worker() {
  if (worker_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    worker_.join();
  }
  std::lock_guard<std::mutex> lock(mu_);
  queue_.clear();
  error_ = nullptr;
  stop_ = false;
}

}  // namespace nabla::data
