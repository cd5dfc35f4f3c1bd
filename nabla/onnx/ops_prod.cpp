// ReduceProd (axes an attribute up to opset 17, keepdims, all axes by default). Each axis is
// multiplied down by halves (x[:h] * x[h:2h], the odd last slice kept), so the graph has
// log2(n) differentiable products per axis and zeros or negative values need no special case.
#include <algorithm>

#include "nabla/onnx/ops.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

using Outs = std::vector<Tensor>;

// The product along `axis`, kept as a size-1 dim.
Tensor prod_axis(const Tensor& x, int64_t axis) {
  if (x.size(axis) == 0) {
    Shape s = x.shape();
    s[axis] = 1;
    return Tensor::ones(s, x.dtype());
  }
  Tensor y = x;
  while (y.size(axis) > 1) {
    const int64_t n = y.size(axis), h = n / 2;
    Tensor p = narrow(y, axis, 0, h) * narrow(y, axis, h, h);
    y = n % 2 == 0 ? p : cat({p, narrow(y, axis, 2 * h, 1)}, axis);
  }
  return y;
}

Outs reduce_prod_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  if (!is_floating(x.dtype())) c.unsupported("an integer input");
  std::vector<int64_t> axes = c.attr_ints("axes");
  if (axes.empty())
    for (int64_t d = 0; d < x.dim(); ++d) axes.push_back(d);
  for (int64_t& a : axes) a = wrap_axis(c, a, x.dim());
  std::sort(axes.rbegin(), axes.rend());  // from the last, so squeezing keeps earlier indices
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  if (x.dim() == 0) return {x};
  Tensor y = x;
  for (int64_t a : axes) y = prod_axis(y, a);
  if (c.attr_int("keepdims", 1) == 0)
    for (int64_t a : axes) y = squeeze(y, a);
  return {y};
}

}  // namespace

void add_prod_ops(OpTable& t) { t["ReduceProd"] = reduce_prod_op; }

}  // namespace nabla::onnx
