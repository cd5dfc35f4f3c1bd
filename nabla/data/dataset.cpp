#include "nabla/data/dataset.hpp"

#include <cstring>
#include <numeric>

namespace nabla::data {

Tensor gather_rows(const Tensor& src_in, const std::vector<int64_t>& rows) {
  NABLA_CHECK(src_in.defined() && src_in.dim() >= 1, "gather_rows",
              "expected a tensor with a leading sample dimension");
  const Tensor src = src_in.is_contiguous() ? src_in : src_in.clone_data();
  const int64_t n = src.size(0);
  Shape out_shape = src.shape();
  out_shape[0] = static_cast<int64_t>(rows.size());
  Tensor out = Tensor::empty(out_shape, src.dtype());
  const size_t row_bytes =
      static_cast<size_t>(n == 0 ? 0 : src.numel() / n) * dtype_size(src.dtype());
  const char* from = static_cast<const char*>(src.raw_data());
  char* to = static_cast<char*>(out.raw_data());
  for (size_t i = 0; i < rows.size(); ++i) {
    const int64_t r = rows[i];
    NABLA_CHECK(r >= 0 && r < n, "gather_rows", "index ", r, " out of range for ", n, " samples");
    // Rows without elements have nothing to copy (and maybe no buffer to point into).
    if (row_bytes > 0)
      std::memcpy(to + i * row_bytes, from + static_cast<size_t>(r) * row_bytes, row_bytes);
  }
  return out;
}

TensorDataset::TensorDataset(Tensor inputs, Tensor targets) {
  NABLA_CHECK(inputs.defined() && targets.defined(), "TensorDataset",
              "inputs and targets must be defined tensors");
  NABLA_CHECK(inputs.dim() >= 1 && targets.dim() >= 1, "TensorDataset",
              "inputs and targets need a leading sample dimension, got inputs ",
              shape_str(inputs.shape()), " and targets ", shape_str(targets.shape()));
  NABLA_CHECK(inputs.size(0) == targets.size(0), "TensorDataset",
              "inputs and targets must have the same number of samples, got inputs ",
              shape_str(inputs.shape()), " and targets ", shape_str(targets.shape()));
  // Detached and contiguous, so a batch is a run of memcpy's and never joins a graph.
  inputs_ = inputs.is_contiguous() ? inputs.detach() : inputs.clone_data();
  targets_ = targets.is_contiguous() ? targets.detach() : targets.clone_data();
}

int64_t TensorDataset::size() const {
  if (map_) return static_cast<int64_t>(map_->size());
  return inputs_.defined() ? inputs_.size(0) : 0;
}

int64_t TensorDataset::row(int64_t index) const {
  NABLA_CHECK(index >= 0 && index < size(), "TensorDataset", "index ", index,
              " out of range for a dataset of ", size(), " samples");
  return map_ ? (*map_)[static_cast<size_t>(index)] : index;
}

Batch TensorDataset::get_batch(const std::vector<int64_t>& indices) const {
  NABLA_CHECK(inputs_.defined(), "TensorDataset::get_batch",
              "the dataset is empty (default-constructed)");
  std::vector<int64_t> rows(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) rows[i] = row(indices[i]);
  Batch b;
  b.inputs = gather_rows(inputs_, rows);
  b.targets = gather_rows(targets_, rows);
  b.indices = indices;
  return b;
}

TensorDataset TensorDataset::subset(const std::vector<int64_t>& indices) const {
  auto map = std::make_shared<std::vector<int64_t>>(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) (*map)[i] = row(indices[i]);
  TensorDataset out = *this;
  out.map_ = std::move(map);
  return out;
}

TensorDataset TensorDataset::take(int64_t n) const {
  NABLA_CHECK(n >= 0, "TensorDataset::take", "n must be non-negative, got ", n);
  std::vector<int64_t> idx(static_cast<size_t>(std::min(n, size())));
  std::iota(idx.begin(), idx.end(), 0);
  return subset(idx);
}

Shape TensorDataset::sample_shape() const {
  NABLA_CHECK(inputs_.defined(), "TensorDataset::sample_shape", "the dataset is empty");
  return Shape(inputs_.shape().begin() + 1, inputs_.shape().end());
}

Batch TensorDataset::all() const {
  std::vector<int64_t> idx(static_cast<size_t>(size()));
  std::iota(idx.begin(), idx.end(), 0);
  return get_batch(idx);
}

}  // namespace nabla::data
