// Ops that move data without arithmetic: Flatten, Reshape, Transpose, Squeeze, Unsqueeze,
// Concat, Pad, Identity, Shape, Cast, Constant. Squeeze/Unsqueeze take axes as an attribute before
// opset 13 and as an input from 13 on.
#include <algorithm>

#include "nabla/onnx/half_float.hpp"
#include "nabla/onnx/ops.hpp"
#include "nabla/onnx/tensor_io.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

using Outs = std::vector<Tensor>;

Outs flatten_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  int64_t axis = c.attr_int("axis", 1);
  if (axis < 0) axis += x.dim();
  if (axis < 0 || axis > x.dim()) c.fail("axis out of range for rank " + std::to_string(x.dim()));
  int64_t rows = 1;
  for (int64_t d = 0; d < axis; ++d) rows *= x.size(d);
  int64_t cols = 1;
  for (int64_t d = axis; d < x.dim(); ++d) cols *= x.size(d);
  return {reshape(x, {rows, cols})};
}

// 0 copies the input's dim (unless allowzero), -1 is inferred.
Outs reshape_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  Shape s = c.input_ints(1);
  const bool allowzero = c.attr_int("allowzero", 0) != 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == 0 && !allowzero) {
      if (static_cast<int64_t>(i) >= x.dim()) c.fail("shape has a 0 beyond the input's rank");
      s[i] = x.size(static_cast<int64_t>(i));
    }
    if (s[i] < -1) c.fail("shape has a negative size " + std::to_string(s[i]));
  }
  if (std::count(s.begin(), s.end(), -1) > 1) c.fail("shape has more than one -1");
  return {reshape(x, s)};
}

Outs transpose_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  std::vector<int64_t> perm = c.attr_ints("perm");
  if (perm.empty())
    for (int64_t d = x.dim() - 1; d >= 0; --d) perm.push_back(d);
  return {permute(x, perm)};
}

std::vector<int64_t> axes_of(const OpContext& c) {
  return c.opset() >= 13 ? c.input_ints(1) : c.attr_ints("axes");
}

Outs squeeze_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  std::vector<int64_t> axes = axes_of(c);
  if (axes.empty()) return {squeeze(x)};
  for (int64_t& a : axes) a = wrap_axis(c, a, x.dim());
  std::sort(axes.rbegin(), axes.rend());  // from the last, so earlier axes keep their index
  Tensor y = x;
  for (int64_t a : axes) {
    if (y.size(a) != 1)
      c.fail("cannot squeeze axis " + std::to_string(a) + " of size " + std::to_string(y.size(a)));
    y = squeeze(y, a);
  }
  return {y};
}

Outs unsqueeze_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  std::vector<int64_t> axes = axes_of(c);
  const int64_t out_rank = x.dim() + static_cast<int64_t>(axes.size());
  for (int64_t& a : axes) a = wrap_axis(c, a, out_rank);
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) c.fail("axes repeat");
  Tensor y = x;
  for (int64_t a : axes) y = unsqueeze(y, a);
  return {y};
}

Outs concat_op(const OpContext& c) {
  std::vector<Tensor> xs;
  for (size_t i = 0; i < c.num_inputs(); ++i) xs.push_back(c.input(i));
  if (!c.has("axis")) c.fail("the axis attribute is required");
  return {cat(xs, wrap_axis(c, c.attr_int("axis", 0), xs.at(0).dim()))};
}

Outs cast_op(const OpContext& c) {
  using TP = ::onnx::TensorProto;
  const int64_t to = c.attr_int("to", 0);
  if (to == TP::FLOAT) return {to_dtype(c.input(0), DType::Float32)};
  if (to == TP::DOUBLE) return {to_dtype(c.input(0), DType::Float64)};
  if (to == TP::INT64) return {to_dtype(c.input(0), DType::Int64)};
  // float16 and bfloat16: float32 values rounded to what the type holds (no 16-bit dtype in nabla)
  if (to == TP::FLOAT16 || to == TP::BFLOAT16) {
    const Tensor x = to_dtype(c.input(0), DType::Float64);
    auto v = x.contiguous().to_vector<double>();
    for (double& d : v)
      d = to == TP::FLOAT16 ? round_to_half(d) : truncate_to_bfloat16(static_cast<float>(d));
    return {to_dtype(Tensor::from_vector(v, x.shape()), DType::Float32)};
  }
  c.unsupported("Cast to " + TP::DataType_Name(static_cast<TP::DataType>(to)));
}

Outs constant_op(const OpContext& c) {
  if (const auto* a = c.attr("value")) return {tensor_from_proto(a->t(), c.where())};
  if (const auto* a = c.attr("value_float")) return {Tensor::scalar(a->f())};
  if (const auto* a = c.attr("value_int"))
    return {Tensor::scalar(static_cast<double>(a->i()), DType::Int64)};
  if (const auto* a = c.attr("value_floats")) {
    std::vector<float> v(a->floats().begin(), a->floats().end());
    return {Tensor::from_vector(v, {static_cast<int64_t>(v.size())})};
  }
  if (const auto* a = c.attr("value_ints")) {
    std::vector<int64_t> v(a->ints().begin(), a->ints().end());
    return {Tensor::from_vector(v, {static_cast<int64_t>(v.size())})};
  }
  c.unsupported("a Constant without value/value_float(s)/value_int(s)");
}

Outs shape_op(const OpContext& c) {
  const Shape& s = c.input(0).shape();
  const auto r = static_cast<int64_t>(s.size());
  int64_t start = c.attr_int("start", 0), end = c.attr_int("end", r);
  start = std::clamp<int64_t>(start < 0 ? start + r : start, 0, r);
  end = std::clamp<int64_t>(end < 0 ? end + r : end, 0, r);
  std::vector<int64_t> v(s.begin() + start, s.begin() + std::max(start, end));
  return {Tensor::from_vector(v, {static_cast<int64_t>(v.size())})};
}

// ONNX pads every dim, [begin_0, begin_1, ..., end_0, end_1, ...]; nabla's pad() takes
// {begin, end} pairs from the last dim back (reflect/edge: at most the last three dims).
Outs pad_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  const std::vector<int64_t> pads = c.opset() >= 11 ? c.input_ints(1) : c.attr_ints("pads");
  const auto r = static_cast<size_t>(x.dim());
  if (pads.size() != 2 * r) c.fail("pads must have 2 x rank values");
  std::vector<int64_t> p;
  size_t used = 0;  // how many trailing dims pad() must see
  for (size_t d = r; d-- > 0;) {
    if (pads[d] < 0 || pads[d + r] < 0) c.unsupported("negative pads");
    p.push_back(pads[d]);
    p.push_back(pads[d + r]);
    if (pads[d] != 0 || pads[d + r] != 0) used = r - d;
  }
  if (used == 0) return {x};
  p.resize(2 * used);
  const std::string mode = c.attr_string("mode", "constant");
  if (mode != "constant" && used > 3) c.unsupported(mode + " padding of more than the last 3 dims");
  const double value =
      c.opset() >= 11 ? (c.has_input(2) ? c.input(2).item() : 0.0) : c.attr_float("value", 0.0);
  const PadMode m =
      mode == "constant"  ? PadMode::Constant
      : mode == "reflect" ? PadMode::Reflect
      : mode == "edge"
          ? PadMode::Replicate
          : (c.fail("mode must be constant, reflect or edge, got " + mode), PadMode::Constant);
  if (is_floating(x.dtype())) return {pad(x, p, m, value)};
  // integer data: padded in float64 (exact below 2^53), back to int64
  return {to_dtype(pad(to_dtype(x, DType::Float64), p, m, value), DType::Int64)};
}

}  // namespace

void add_shape_ops(OpTable& t) {
  t["Pad"] = pad_op;
  t["Flatten"] = flatten_op;
  t["Reshape"] = reshape_op;
  t["Transpose"] = transpose_op;
  t["Squeeze"] = squeeze_op;
  t["Unsqueeze"] = unsqueeze_op;
  t["Concat"] = concat_op;
  t["Cast"] = cast_op;
  t["Constant"] = constant_op;
  t["Shape"] = shape_op;
  t["Identity"] = [](const OpContext& c) { return Outs{c.input(0)}; };
}

}  // namespace nabla::onnx
