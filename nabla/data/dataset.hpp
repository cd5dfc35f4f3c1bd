// Datasets: something with a size that can hand out a batch for a list of sample indices.
// TensorDataset keeps all samples in two tensors (inputs (N, ...), targets (N, ...)) and
// gathers a batch by copying whole rows; subsets are index views that share the tensors.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "nabla/core/tensor.hpp"

namespace nabla::data {

struct Batch {
  Tensor inputs;                 // (B, ...) rows of the dataset's inputs
  Tensor targets;                // (B, ...) rows of the dataset's targets
  std::vector<int64_t> indices;  // which samples of the dataset, in batch order
  int64_t size() const { return static_cast<int64_t>(indices.size()); }
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  // Samples `indices` (each in [0, size())) as one batch. Must be safe to call from a
  // background thread while other threads read the dataset (the loader's prefetch does).
  virtual Batch get_batch(const std::vector<int64_t>& indices) const = 0;
};

class TensorDataset : public Dataset {
 public:
  TensorDataset() = default;
  // inputs (N, ...) and targets (N, ...) with the same N; stored contiguous.
  TensorDataset(Tensor inputs, Tensor targets);

  int64_t size() const override;
  Batch get_batch(const std::vector<int64_t>& indices) const override;
  Batch get(int64_t index) const { return get_batch({index}); }

  // A view of the samples `indices` (in that order; repeats allowed, as bootstrap needs).
  // Shares the tensors; indices refer to this dataset, so subsets of subsets compose.
  TensorDataset subset(const std::vector<int64_t>& indices) const;
  // The first `n` samples (or all if n >= size()).
  TensorDataset take(int64_t n) const;

  // The underlying tensors (all samples, ignoring any subset view).
  const Tensor& inputs() const { return inputs_; }
  const Tensor& targets() const { return targets_; }
  // Shape of one input sample, e.g. {1, 28, 28}.
  Shape sample_shape() const;
  bool is_view() const { return map_ != nullptr; }
  // Maps an index of this dataset to a row of inputs()/targets().
  int64_t row(int64_t index) const;
  // All samples of this (possibly subset) dataset materialised into fresh tensors.
  Batch all() const;

 private:
  Tensor inputs_;
  Tensor targets_;
  std::shared_ptr<const std::vector<int64_t>> map_;  // null: identity
};

// Copies rows `rows` of `src` (N, ...) into a new (rows.size(), ...) tensor. Rows are checked.
Tensor gather_rows(const Tensor& src, const std::vector<int64_t>& rows);

}  // namespace nabla::data
