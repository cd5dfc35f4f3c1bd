// Tensor: a shape + strides view over a shared Storage, with the autograd fields
// (requires_grad, grad, grad_fn). A Tensor is a cheap handle; copies share the same data.
//
// core/ provides storage, metadata, raw strided views and copies. The differentiable
// operations (math, reductions, shape ops that record a graph) are free functions in
// nabla/ops/*.hpp; the methods marked [ops] below are thin forwards defined there, like
// ATen's Tensor methods, so `x.reshape(...)` and `reshape(x, ...)` are the same call.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "nabla/core/dtype.hpp"
#include "nabla/core/error.hpp"
#include "nabla/core/random.hpp"
#include "nabla/core/storage.hpp"

namespace nabla {

using Shape = std::vector<int64_t>;

namespace autograd {
struct Node;
}

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements
  Shape shape;
  Shape strides;  // in elements
  DType dtype = DType::Float32;
  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;         // accumulated gradient (leaves, or retain_grad)
  std::shared_ptr<autograd::Node> grad_fn;  // the node that made this tensor (non-leaves)
  bool retains_grad = false;
  std::string name;  // optional, for error messages
};

int64_t shape_numel(const Shape& s);
Shape contiguous_strides(const Shape& s);

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- creation (float32 unless a dtype is given) ----
  static Tensor empty(const Shape& shape, DType dtype = DType::Float32);
  static Tensor zeros(const Shape& shape, DType dtype = DType::Float32);
  static Tensor ones(const Shape& shape, DType dtype = DType::Float32);
  static Tensor full(const Shape& shape, double value, DType dtype = DType::Float32);
  static Tensor scalar(double value, DType dtype = DType::Float32);
  static Tensor arange(double start, double end, double step = 1, DType dtype = DType::Float32);
  static Tensor rand(const Shape& shape, DType dtype = DType::Float32, Generator* gen = nullptr);
  static Tensor randn(const Shape& shape, DType dtype = DType::Float32, Generator* gen = nullptr);
  // uniform integers in [low, high)
  static Tensor randint(int64_t low, int64_t high, const Shape& shape, Generator* gen = nullptr);
  // copies `count = numel(shape)` elements from `data`
  static Tensor from_buffer(const void* data, const Shape& shape, DType dtype);
  static Tensor from_vector(const std::vector<float>& v, const Shape& shape);
  static Tensor from_vector(const std::vector<double>& v, const Shape& shape);
  static Tensor from_vector(const std::vector<int64_t>& v, const Shape& shape);
  static Tensor empty_like(const Tensor& t);
  static Tensor zeros_like(const Tensor& t);
  static Tensor ones_like(const Tensor& t);

  // ---- metadata ----
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl_->shape; }
  const Shape& strides() const { return impl_->strides; }
  int64_t dim() const { return static_cast<int64_t>(impl_->shape.size()); }
  int64_t size(int64_t d) const;  // negative d counts from the end
  int64_t numel() const { return shape_numel(impl_->shape); }
  DType dtype() const { return impl_->dtype; }
  bool is_contiguous() const;
  int64_t offset() const { return impl_->offset; }
  const std::shared_ptr<Storage>& storage() const { return impl_->storage; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same(const Tensor& o) const { return impl_ == o.impl_; }
  int64_t wrap_dim(int64_t d, const char* op) const;  // checks range, maps negatives

  // Element pointer at the view's offset. T must match dtype (checked).
  template <class T>
  T* data() const {
    NABLA_CHECK(DTypeOf<T>::value == impl_->dtype, "Tensor::data", "requested ",
                dtype_name(DTypeOf<T>::value), " from a ", dtype_name(impl_->dtype), " tensor");
    return static_cast<T*>(impl_->storage->data()) + impl_->offset;
  }
  void* raw_data() const {
    return static_cast<char*>(impl_->storage->data()) + impl_->offset * dtype_size(impl_->dtype);
  }
  double item() const;  // one-element tensors only
  template <class T>
  std::vector<T> to_vector() const;                    // any layout, converts dtype
  double at(const std::vector<int64_t>& index) const;  // slow, for tests and printing

  // ---- raw views (no graph; differentiable versions below are [ops]) ----
  Tensor as_strided(const Shape& shape, const Shape& strides, int64_t offset) const;

  // ---- copies and conversion (no graph) ----
  Tensor clone_data() const;  // contiguous deep copy, detached

  // ---- in-place updates. Not recorded in the graph: for optimizers, initializers and
  // buffers. They refuse a tensor that requires grad while grad mode is on. ----
  Tensor& fill_(double value);
  Tensor& zero_() { return fill_(0); }
  Tensor& copy_(const Tensor& src);                     // broadcasts src, converts dtype
  Tensor& add_(const Tensor& other, double alpha = 1);  // this += alpha * other
  Tensor& mul_(double s);
  Tensor& uniform_(double low, double high, Generator* gen = nullptr);
  Tensor& normal_(double mean, double std, Generator* gen = nullptr);

  // ---- autograd ----
  bool requires_grad() const { return impl_ && impl_->requires_grad; }
  Tensor& set_requires_grad(bool r = true);
  bool is_leaf() const { return impl_->grad_fn == nullptr; }
  Tensor grad() const;  // undefined tensor if none yet
  void set_grad(const Tensor& g);
  void zero_grad();    // drops the gradient
  void retain_grad();  // keep .grad on a non-leaf
  const std::shared_ptr<autograd::Node>& grad_fn() const { return impl_->grad_fn; }
  Tensor detach() const;  // same data, no graph
  // [autograd] backward from a scalar, or with an explicit gradient of the same shape.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;

  // ---- [ops] differentiable forwards (defined in nabla/ops) ----
  Tensor reshape(const Shape& shape) const;
  Tensor view(const Shape& shape) const;
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor transpose(int64_t d0, int64_t d1) const;
  Tensor t() const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor expand(const Shape& shape) const;
  Tensor squeeze(int64_t dim) const;
  Tensor squeeze() const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(DType dtype) const;
  Tensor sum() const;
  Tensor sum(const std::vector<int64_t>& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const std::vector<int64_t>& dims, bool keepdim = false) const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);
std::string to_string(const Tensor& t, int64_t max_per_dim = 6);

// Walks every element of a (possibly strided) tensor in row-major order: fn(element_offset).
// The offsets are relative to the tensor's data pointer.
template <class F>
void for_each_offset(const Shape& shape, const Shape& strides, F&& fn) {
  const int64_t nd = static_cast<int64_t>(shape.size());
  const int64_t n = shape_numel(shape);
  if (n == 0) return;
  std::vector<int64_t> idx(nd, 0);
  int64_t off = 0;
  for (int64_t i = 0; i < n; ++i) {
    fn(off);
    for (int64_t d = nd - 1; d >= 0; --d) {
      if (++idx[d] < shape[d]) {
        off += strides[d];
        break;
      }
      off -= strides[d] * (shape[d] - 1);
      idx[d] = 0;
    }
  }
}

}  // namespace nabla

namespace nabla::detail {
// The grad-mode flag lives in core so in-place updates can check it; autograd/node.hpp
// is the public interface (grad_enabled, NoGradGuard).
bool& grad_mode_flag();
}  // namespace nabla::detail
