// Ops that rank values along an axis: TopK (the k largest or smallest with their indices) and
// Hardmax (a one-hot of the first maximum). TopK's values are gathered from the input through
// nabla's differentiable gather, so the gradient reaches the picked elements; Hardmax is
// piecewise constant (no gradient).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "nabla/onnx/ops.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

using Outs = std::vector<Tensor>;

// The permutation that moves `axis` last, and its inverse.
std::vector<int64_t> axis_last(int64_t rank, int64_t axis) {
  std::vector<int64_t> p;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis) p.push_back(d);
  p.push_back(axis);
  return p;
}

std::vector<int64_t> inverse(const std::vector<int64_t>& p) {
  std::vector<int64_t> q(p.size());
  for (size_t i = 0; i < p.size(); ++i) q[static_cast<size_t>(p[i])] = static_cast<int64_t>(i);
  return q;
}

int64_t topk_k(const OpContext& c) {
  if (c.opset() < 10) return c.attr_int("k", -1);
  const auto k = c.input_ints(1);
  if (k.size() != 1) c.fail("K must hold one value");
  return k[0];
}

// Per row (the axis last): the first k positions in order of value, largest (or smallest) first,
// equal values by lower index (the spec's tie rule); NaN ranks above every number, as in
// PyTorch, so the order stays strict and weak.
Tensor topk_indices(const Tensor& rows, int64_t k, bool largest) {
  const int64_t n = rows.size(-1), m = n == 0 ? 0 : rows.numel() / n;
  const auto v = rows.to_vector<double>();
  std::vector<int64_t> out(static_cast<size_t>(m * k));
  std::vector<int64_t> pos(static_cast<size_t>(n));
  for (int64_t r = 0; r < m; ++r) {
    const double* row = v.data() + r * n;
    std::iota(pos.begin(), pos.end(), 0);
    auto before = [&](int64_t a, int64_t b) {
      const double x = row[a], y = row[b];
      const bool xn = std::isnan(x), yn = std::isnan(y);
      if (xn || yn) return xn != yn ? (largest ? xn : yn) : a < b;
      if (x != y) return largest ? x > y : x < y;
      return a < b;
    };
    std::partial_sort(pos.begin(), pos.begin() + k, pos.end(), before);
    std::copy(pos.begin(), pos.begin() + k, out.begin() + r * k);
  }
  Shape s = rows.shape();
  s.back() = k;
  return Tensor::from_vector(out, s);
}

// Values and int64 indices, always sorted (sorted=0 leaves the order to the implementation).
Outs topk_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  if (x.dim() == 0) c.fail("the input must have rank >= 1");
  const int64_t axis = wrap_axis(c, c.attr_int("axis", -1), x.dim());
  const int64_t k = topk_k(c);
  if (k < 0 || k > x.size(axis))
    c.fail("k = " + std::to_string(k) + " is outside [0, " + std::to_string(x.size(axis)) + "]");
  const bool largest = c.attr_int("largest", 1) != 0;
  const auto p = axis_last(x.dim(), axis);
  const Tensor idx = permute(topk_indices(permute(x, p), k, largest), inverse(p)).contiguous();
  return {gather(x, axis, idx), idx};
}

// One-hot of the first maximum along the axis; before opset 13 the input is flattened to 2-D at
// `axis` (default 1) and the rows are what is reduced, as for Softmax.
Outs hardmax_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  if (!is_floating(x.dtype())) c.unsupported("an integer input");
  if (x.dim() == 0) c.fail("the input must have rank >= 1");
  const bool v13 = c.opset() >= 13;
  const int64_t axis = wrap_axis(c, c.attr_int("axis", v13 ? -1 : 1), x.dim());
  Tensor t = x;
  int64_t a = axis;
  if (!v13) {
    int64_t rows = 1;
    for (int64_t d = 0; d < axis; ++d) rows *= x.size(d);
    t = x.reshape({rows, -1});
    a = 1;
  }
  Shape along(static_cast<size_t>(t.dim()), 1);
  along[a] = t.size(a);
  const Tensor pos = Tensor::arange(0, static_cast<double>(t.size(a)), 1, DType::Int64);
  const Tensor hot = eq(pos.reshape(along), argmax(t, a, true));
  return {to_dtype(hot, x.dtype()).reshape(x.shape())};
}

}  // namespace

void add_topk_ops(OpTable& t) {
  t["TopK"] = topk_op;
  t["Hardmax"] = hardmax_op;
}

}  // namespace nabla::onnx
