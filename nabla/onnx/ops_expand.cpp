// Ops that build bigger tensors from small ones: Expand (NumPy broadcasting to a shape), Tile
// (repeat along each axis), Range and ConstantOfShape. Expand and Tile are views/copies through
// nabla's differentiable expand/reshape, so gradients sum back over the copies.
#include <cmath>

#include "nabla/onnx/ops.hpp"
#include "nabla/onnx/tensor_io.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

using Outs = std::vector<Tensor>;

// Outputs that a shape input can make absurdly large are refused before allocating.
constexpr int64_t kMaxElements = int64_t{1} << 32;

void check_size(const OpContext& c, const Shape& s) {
  double n = 1;
  for (int64_t d : s) {
    if (d < 0) c.fail("negative dim in the output shape " + shape_str(s));
    n *= static_cast<double>(d);
  }
  if (n > static_cast<double>(kMaxElements))
    c.fail("output shape " + shape_str(s) + " has more than 2^32 elements");
}

// Bidirectional broadcast: the shape input may be smaller than the input's, or have 1s where
// the input has larger dims (ONNX differs from nabla's expand there).
Outs expand_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  const std::vector<int64_t> want = c.input_ints(1);
  const size_t r = std::max(want.size(), static_cast<size_t>(x.dim()));
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    const size_t from_end = r - 1 - i;
    const int64_t a =
        from_end < static_cast<size_t>(x.dim()) ? x.shape()[x.dim() - 1 - from_end] : 1;
    const int64_t b = from_end < want.size() ? want[want.size() - 1 - from_end] : 1;
    if (a != b && a != 1 && b != 1)
      c.fail("cannot broadcast " + shape_str(x.shape()) + " to " + shape_str(want));
    out[i] = a == 1 ? b : a;
  }
  check_size(c, out);
  return {expand(x, out)};
}

// Along each repeated axis d: (.., n, ..) -> (.., 1, n, ..) -> (.., r, n, ..) -> (.., r*n, ..),
// whole blocks one after another as Tile lays them out.
Outs tile_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  const std::vector<int64_t> reps = c.input_ints(1);
  if (static_cast<int64_t>(reps.size()) != x.dim())
    c.fail("repeats has " + std::to_string(reps.size()) + " values for a rank-" +
           std::to_string(x.dim()) + " input");
  Shape out = x.shape();
  for (size_t d = 0; d < reps.size(); ++d) {
    if (reps[d] < 0) c.fail("repeats must be >= 0");
    out[d] *= reps[d];
  }
  check_size(c, out);
  Tensor y = x;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (reps[d] == 1) continue;
    Shape big = y.shape();
    big.insert(big.begin() + d, reps[d]);
    Shape merged = y.shape();
    merged[d] *= reps[d];
    y = reshape(expand(unsqueeze(y, d), big), merged);
  }
  return {y};
}

double scalar_of(const OpContext& c, size_t i) {
  const Tensor& t = c.input(i);
  if (t.numel() != 1) c.fail("input " + std::to_string(i) + " must be a scalar");
  return t.item();
}

// start, start + delta, ... while before limit: max(ceil((limit - start) / delta), 0) values, in
// the inputs' type (int32 widened to int64).
Outs range_op(const OpContext& c) {
  const double start = scalar_of(c, 0), limit = scalar_of(c, 1), delta = scalar_of(c, 2);
  if (delta == 0) c.fail("delta must not be 0");
  const double n = std::max(std::ceil((limit - start) / delta), 0.0);
  if (!(n <= static_cast<double>(kMaxElements))) c.fail("the range has more than 2^32 values");
  const auto count = static_cast<int64_t>(n);
  const DType dt = c.input(0).dtype();
  std::vector<double> v(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) v[i] = start + static_cast<double>(i) * delta;
  return {to_dtype(Tensor::from_vector(v, {count}), dt)};
}

// The shape input filled with the one value of the `value` attribute (float32 0 by default).
Outs constant_of_shape_op(const OpContext& c) {
  const Shape s = c.input_ints(0);
  check_size(c, s);
  if (const auto* a = c.attr("value")) {
    const Tensor v = tensor_from_proto(a->t(), c.where());
    if (v.numel() != 1) c.fail("value must hold one element");
    return {Tensor::full(s, v.item(), v.dtype())};
  }
  return {Tensor::zeros(s)};
}

}  // namespace

void add_expand_ops(OpTable& t) {
  t["Expand"] = expand_op;
  t["Tile"] = tile_op;
  t["Range"] = range_op;
  t["ConstantOfShape"] = constant_of_shape_op;
}

}  // namespace nabla::onnx
