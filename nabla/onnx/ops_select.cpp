// Ops that pick elements: Slice, Split, Where, Size, the comparisons (Equal, Less, LessOrEqual,
// Greater, GreaterOrEqual) and the logic ops (And, Or, Xor, Not), whose bool results are int64
// 0/1 (nabla has no bool dtype).
// Slice's starts/ends/axes/steps are attributes before opset 10 and inputs from 10 on; Split's
// sizes an attribute before 13 and an input from 13 on.
#include <algorithm>

#include "nabla/onnx/ops.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

using Outs = std::vector<Tensor>;

// A negative step, with ONNX's clamping: start to [0, n-1] and end to [-1, n-1] after adding n
// to negatives, then start, start+step, ... while > end. Picked by index_select so gradients flow.
Tensor slice_backwards(const Tensor& y, int64_t a, int64_t start, int64_t end, int64_t step) {
  const int64_t n = y.size(a);
  if (n == 0) return y;
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n - 1);
  end = std::clamp<int64_t>(end, -1, n - 1);
  std::vector<int64_t> picks;
  for (int64_t i = start; i > end; i += step) picks.push_back(i);
  if (picks.empty()) return slice(y, a, 0, 0);
  const auto len = static_cast<int64_t>(picks.size());
  return index_select(y, a, Tensor::from_vector(picks, {len}));
}

Outs slice_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  const bool attrs = c.opset() < 10;
  const auto starts = attrs ? c.attr_ints("starts") : c.input_ints(1);
  const auto ends = attrs ? c.attr_ints("ends") : c.input_ints(2);
  std::vector<int64_t> axes = attrs ? c.attr_ints("axes") : c.input_ints(3);
  std::vector<int64_t> steps = attrs ? std::vector<int64_t>{} : c.input_ints(4);
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    c.fail("starts, ends, axes and steps must have the same length");
  Tensor y = x;
  for (size_t i = 0; i < starts.size(); ++i) {
    if (steps[i] == 0) c.fail("a step of 0");
    const int64_t a = wrap_axis(c, axes[i], x.dim()), n = x.size(a);
    if (steps[i] < 0) {
      y = slice_backwards(y, a, starts[i], ends[i], steps[i]);
      continue;
    }
    // ONNX clamps huge values (INT64_MAX means "to the end"); keep them in range before slice()
    const int64_t s = std::clamp<int64_t>(starts[i], -n, n),
                  e = std::clamp<int64_t>(ends[i], -n, n);
    y = slice(y, a, s, e, steps[i]);
  }
  return {y};
}

Outs split_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  const int64_t axis = wrap_axis(c, c.attr_int("axis", 0), x.dim());
  std::vector<int64_t> sizes = c.opset() >= 13 ? c.input_ints(1) : c.attr_ints("split");
  const int64_t parts = c.node().output_size();
  if (sizes.empty()) {
    if (x.size(axis) % parts != 0)
      c.fail("dim " + std::to_string(x.size(axis)) + " does not split into " +
             std::to_string(parts) + " equal parts");
    sizes.assign(static_cast<size_t>(parts), x.size(axis) / parts);
  }
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  if (static_cast<int64_t>(sizes.size()) != parts || total != x.size(axis))
    c.fail("split sizes must be one per output and add up to the dim's size");
  Outs out;
  int64_t at = 0;
  for (int64_t s : sizes) {
    out.push_back(narrow(x, axis, at, s));
    at += s;
  }
  return out;
}

Tensor as_double(const Tensor& t) { return to_dtype(t, DType::Float64); }

template <class F>
OpFn compare(F f) {
  return [f](const OpContext& c) {
    return Outs{to_dtype(f(as_double(c.input(0)), as_double(c.input(1))), DType::Int64)};
  };
}

Outs where_op(const OpContext& c) {
  const Tensor &a = c.input(1), &b = c.input(2);
  // integer values (PyTorch's exported shape arithmetic): picked in float64, exact below 2^53
  if (!is_floating(a.dtype()) && !is_floating(b.dtype()))
    return {to_dtype(where(c.input(0), as_double(a), as_double(b)), DType::Int64)};
  if (!is_floating(a.dtype()) || !is_floating(b.dtype())) c.unsupported("mixed integer values");
  return {where(c.input(0), a, b)};
}

}  // namespace

void add_select_ops(OpTable& t) {
  t["Slice"] = slice_op;
  t["Split"] = split_op;
  t["Where"] = where_op;
  t["Equal"] = compare([](const Tensor& a, const Tensor& b) { return eq(a, b); });
  t["Less"] = compare([](const Tensor& a, const Tensor& b) { return lt(a, b); });
  t["LessOrEqual"] = compare([](const Tensor& a, const Tensor& b) { return le(a, b); });
  t["Greater"] = compare([](const Tensor& a, const Tensor& b) { return gt(a, b); });
  t["GreaterOrEqual"] = compare([](const Tensor& a, const Tensor& b) { return ge(a, b); });
  // bool tensors arrive as int64 0/1
  t["And"] = compare([](const Tensor& a, const Tensor& b) { return a * b; });
  t["Or"] = compare([](const Tensor& a, const Tensor& b) { return maximum(a, b); });
  t["Xor"] = compare([](const Tensor& a, const Tensor& b) { return ne(a, b); });
  t["Not"] = [](const OpContext& c) {
    return Outs{to_dtype(1.0 - as_double(c.input(0)), DType::Int64)};
  };
  t["Size"] = [](const OpContext& c) {
    return Outs{Tensor::scalar(static_cast<double>(c.input(0).numel()), DType::Int64)};
  };
}

}  // namespace nabla::onnx
