// Ops that read or write elements at given indices: Gather, GatherElements, ScatterElements and
// its opset 9-10 name Scatter. Indices may be negative (counted from the end of the axis) and
// arrive as int64 (int32 files are widened on load). Gather and GatherElements are built on
// nabla's differentiable index_select/gather, so gradients reach the data; ScatterElements on
// float data is composed of gathers too (gradients reach data and updates), on integer data a
// plain loop.
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

// The flat (row-major) cell of data that each update lands on: the update's own position with
// the axis coordinate replaced by its index.
std::vector<int64_t> target_cells(const Tensor& x, const Tensor& ind, const std::vector<int64_t>& v,
                                  int64_t axis) {
  Shape walk = contiguous_strides(x.shape());
  const int64_t step = walk[axis];
  walk[axis] = 0;
  std::vector<int64_t> cells;
  cells.reserve(v.size());
  for_each_offset(ind.shape(), walk,
                  [&](int64_t off) { cells.push_back(off + v[cells.size()] * step); });
  return cells;
}

// Integer data (nabla's arithmetic is float-only): a plain copy and loop, no graph.
Tensor scatter_loop(const Tensor& x, const Tensor& upd, const std::vector<int64_t>& cells,
                    Combine how) {
  Tensor out = x.clone_data();
  const auto u = upd.to_vector<int64_t>();
  int64_t* o = out.data<int64_t>();
  for (size_t i = 0; i < cells.size(); ++i) {
    int64_t& dst = o[cells[i]];
    dst = how == Combine::Add ? dst + u[i] : how == Combine::Mul ? dst * u[i] : u[i];
  }
  return out;
}

// Float data, differentiable: updates are gathered from [updates..., fill] onto the cells, one
// "layer" per repeat of a cell (the k-th update landing on a cell is in layer k), so add/mul
// combine layer after layer in index order, and `none` keeps the last update of each cell and
// the data where none lands. Gradients reach both data and updates.
Tensor scatter_graph(const Tensor& x, const Tensor& upd, const std::vector<int64_t>& cells,
                     Combine how) {
  const auto n = static_cast<int64_t>(cells.size());
  const int64_t total = x.numel();
  const Tensor u =
      cat({reshape(upd, {n}), Tensor::full({1}, how == Combine::Mul ? 1 : 0, x.dtype())}, 0);
  auto placed = [&](const std::vector<int64_t>& from) {
    return reshape(gather(u, 0, Tensor::from_vector(from, {total})), x.shape());
  };
  if (how == Combine::None) {
    std::vector<int64_t> last(static_cast<size_t>(total), n);
    std::vector<double> untouched(static_cast<size_t>(total), 1);
    for (int64_t k = 0; k < n; ++k) {
      last[cells[k]] = k;
      untouched[cells[k]] = 0;
    }
    const Tensor keep = Tensor::from_vector(untouched, x.shape());
    return where(keep, x, Tensor::zeros({}, x.dtype())) + placed(last);
  }
  std::vector<std::vector<int64_t>> layers;
  std::vector<size_t> seen(static_cast<size_t>(total), 0);
  for (int64_t k = 0; k < n; ++k) {
    const size_t l = seen[cells[k]]++;
    if (l == layers.size()) layers.emplace_back(static_cast<size_t>(total), n);
    layers[l][cells[k]] = k;
  }
  Tensor y = x;
  for (const auto& layer : layers) y = how == Combine::Add ? y + placed(layer) : y * placed(layer);
  return y;
}

Outs scatter_elements_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& ind = c.input(1);
  if (x.dim() == 0) c.fail("data must have rank >= 1");
  const int64_t axis = wrap_axis(c, c.attr_int("axis", 0), x.dim());
  check_elementwise_indices(c, x, ind, axis);
  if (c.input(2).shape() != ind.shape())
    c.fail("updates shape " + shape_str(c.input(2).shape()) + " must equal the indices' " +
           shape_str(ind.shape()));
  const auto cells = target_cells(x, ind, wrapped_indices(c, ind, x.size(axis)), axis);
  const Combine how = scatter_reduction(c);
  const Tensor upd = to_dtype(c.input(2), x.dtype());
  if (!is_floating(x.dtype())) return {scatter_loop(x, upd, cells, how)};
  return {scatter_graph(x, upd, cells, how)};
}

}  // namespace

void add_gather_ops(OpTable& t) {
  t["Gather"] = gather_op;
  t["GatherElements"] = gather_elements_op;
  t["ScatterElements"] = scatter_elements_op;
  t["Scatter"] = scatter_elements_op;  // opset 9-10 name; no reduction attribute there
}

}  // namespace nabla::onnx
