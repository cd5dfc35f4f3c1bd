// Ops that read or write elements at given indices: Gather, GatherElements, ScatterElements and
// its opset 9-10 name Scatter. Indices may be negative (counted from the end of the axis) and
// arrive as int64 (int32 files are widened on load). Gather and GatherElements are built on
// nabla's differentiable index_select/gather, so gradients reach the data; ScatterElements is a
// forward-only copy (no gradient flows through it).
#include "nabla/onnx/ops.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

using Outs = std::vector<Tensor>;

// `idx` with negative entries counted from the end of a dim of size n; an Error naming the node
// for one outside [-n, n) (ONNX leaves it undefined, so it is refused rather than read).
std::vector<int64_t> wrapped_indices(const OpContext& c, const Tensor& idx, int64_t n) {
  if (idx.dtype() != DType::Int64) c.fail("indices must be int32 or int64");
  std::vector<int64_t> v = idx.to_vector<int64_t>();
  for (int64_t& i : v) {
    if (i < -n || i >= n)
      c.fail("index " + std::to_string(i) + " is out of range for an axis of size " +
             std::to_string(n));
    if (i < 0) i += n;
  }
  return v;
}

// data[..., indices[j...], ...]: output shape data[:axis] + indices + data[axis+1:].
Outs gather_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& ind = c.input(1);
  if (x.dim() == 0) c.fail("data must have rank >= 1");
  const int64_t axis = wrap_axis(c, c.attr_int("axis", 0), x.dim());
  const auto v = wrapped_indices(c, ind, x.size(axis));
  const Tensor y = index_select(x, axis, Tensor::from_vector(v, {static_cast<int64_t>(v.size())}));
  Shape s(x.shape().begin(), x.shape().begin() + axis);
  s.insert(s.end(), ind.shape().begin(), ind.shape().end());
  s.insert(s.end(), x.shape().begin() + axis + 1, x.shape().end());
  return {reshape(y, s)};
}

// Checks that indices (and updates) fit data as GatherElements/ScatterElements need: same rank,
// and no dim larger than data's except along axis.
void check_elementwise_indices(const OpContext& c, const Tensor& x, const Tensor& ind,
                               int64_t axis) {
  if (ind.dim() != x.dim())
    c.fail("indices rank " + std::to_string(ind.dim()) + " must equal the data's rank " +
           std::to_string(x.dim()));
  for (int64_t d = 0; d < x.dim(); ++d)
    if (d != axis && ind.size(d) > x.size(d))
      c.fail("indices shape " + shape_str(ind.shape()) + " exceeds the data's " +
             shape_str(x.shape()) + " in dim " + std::to_string(d));
}

Outs gather_elements_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& ind = c.input(1);
  if (x.dim() == 0) c.fail("data must have rank >= 1");
  const int64_t axis = wrap_axis(c, c.attr_int("axis", 0), x.dim());
  check_elementwise_indices(c, x, ind, axis);
  const auto v = wrapped_indices(c, ind, x.size(axis));
  return {gather(x, axis, Tensor::from_vector(v, ind.shape()))};
}

enum class Combine { None, Add, Mul };

Combine scatter_reduction(const OpContext& c) {
  const std::string r = c.attr_string("reduction", "none");
  if (r == "none") return Combine::None;
  if (r == "add") return Combine::Add;
  if (r == "mul") return Combine::Mul;
  if (r == "max" || r == "min") c.unsupported("reduction '" + r + "' (opset 18)");
  c.fail("reduction must be none, add or mul, got '" + r + "'");
}

// A copy of data with out[... idx ...] (op)= updates[...]: walks the indices' positions with the
// output's strides but `axis` zeroed, the index value supplying that coordinate.
Outs scatter_elements_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& ind = c.input(1);
  if (x.dim() == 0) c.fail("data must have rank >= 1");
  const int64_t axis = wrap_axis(c, c.attr_int("axis", 0), x.dim());
  check_elementwise_indices(c, x, ind, axis);
  if (c.input(2).shape() != ind.shape())
    c.fail("updates shape " + shape_str(c.input(2).shape()) + " must equal the indices' " +
           shape_str(ind.shape()));
  const auto v = wrapped_indices(c, ind, x.size(axis));
  const Combine how = scatter_reduction(c);
  Tensor out = x.clone_data();
  const Tensor upd = to_dtype(c.input(2), x.dtype()).contiguous();
  Shape walk = out.strides();
  walk[axis] = 0;
  const int64_t step = out.strides()[axis];
  NABLA_DISPATCH(x.dtype(), T, [&] {
    T* o = out.data<T>();
    const T* u = upd.data<T>();
    size_t i = 0;
    for_each_offset(ind.shape(), walk, [&](int64_t off) {
      T& dst = o[off + v[i] * step];
      dst = how == Combine::Add ? dst + u[i] : how == Combine::Mul ? dst * u[i] : u[i];
      ++i;
    });
  });
  return {out};
}

}  // namespace

void add_gather_ops(OpTable& t) {
  t["Gather"] = gather_op;
  t["GatherElements"] = gather_elements_op;
  t["ScatterElements"] = scatter_elements_op;
  t["Scatter"] = scatter_elements_op;  // opset 9-10 name; no reduction attribute there
}

}  // namespace nabla::onnx
