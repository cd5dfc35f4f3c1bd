// MaxUnpool: the inverse of MaxPool with indices. The output, of spatial size
// (in - 1) * stride + kernel - pads, is zero except where MaxPool's flat indices (over that whole
// tensor, as MaxPool's Indices output counts them) point; when two values land on one cell the
// later one wins. A larger output_shape input pads that result with zeros at the end of each
// axis, as ONNX's reference implementation does (the indices keep their meaning). Written as one
// gather from the flattened input plus a trailing zero, so the gradient flows back to the pooled
// values.
#include "nabla/onnx/ops.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

using Outs = std::vector<Tensor>;

// (in - 1) * stride + kernel - pads per spatial axis: the shape MaxPool's indices count in.
Shape unpooled_shape(const OpContext& c, const Tensor& x) {
  const int64_t n = x.dim() - 2;
  const auto kernel = c.attr_ints("kernel_shape");
  if (static_cast<int64_t>(kernel.size()) != n) c.fail("kernel_shape needs one value per axis");
  const auto strides = c.attr_ints("strides", std::vector<int64_t>(n, 1));
  const auto pads = c.attr_ints("pads", std::vector<int64_t>(2 * n, 0));
  if (static_cast<int64_t>(strides.size()) != n || static_cast<int64_t>(pads.size()) != 2 * n)
    c.fail("strides/pads do not match the input's rank");
  Shape s = {x.size(0), x.size(1)};
  for (int64_t i = 0; i < n; ++i) {
    const int64_t o = (x.size(i + 2) - 1) * strides[i] + kernel[i] - pads[i] - pads[i + n];
    if (kernel[i] <= 0 || strides[i] <= 0 || o < 0) c.fail("kernel/strides/pads give no output");
    s.push_back(o);
  }
  return s;
}

void check_size(const OpContext& c, const Shape& s) {
  double n = 1;
  for (int64_t d : s) n *= static_cast<double>(d);
  if (n > static_cast<double>(int64_t{1} << 32))
    c.fail("output shape " + shape_str(s) + " has more than 2^32 elements");
}

Tensor pad_to_output_shape(const OpContext& c, const Tensor& y) {
  if (!c.has_input(2)) return y;
  const Shape want = c.input_ints(2);
  if (static_cast<int64_t>(want.size()) != y.dim())
    c.fail("output_shape must have one value per input dim");
  std::vector<int64_t> pads;  // pad()'s order: (begin, end) from the last dim back
  for (int64_t d = y.dim() - 1; d >= 0; --d) {
    if (want[d] < y.size(d) || (d < 2 && want[d] != y.size(d)))
      c.fail("output_shape " + shape_str(want) + " is smaller than the unpooled " +
             shape_str(y.shape()) + " or changes N/C");
    pads.insert(pads.end(), {0, want[d] - y.size(d)});
  }
  check_size(c, want);
  return pad(y, pads, 0.0);
}

Outs max_unpool_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& ind = c.input(1);
  if (x.dim() < 3) c.fail("the input must be (N, C, spatial...)");
  if (!is_floating(x.dtype())) c.unsupported("an integer input");
  if (ind.shape() != x.shape() || ind.dtype() != DType::Int64)
    c.fail("indices must be int64 of the input's shape");
  const Shape out = unpooled_shape(c, x);
  check_size(c, out);
  const int64_t total = shape_numel(out), n = x.numel();
  // source[j]: which input element lands on output cell j; n (the appended zero) if none
  std::vector<int64_t> source(static_cast<size_t>(total), n);
  const auto iv = ind.to_vector<int64_t>();
  for (int64_t k = 0; k < n; ++k) {
    if (iv[k] < 0 || iv[k] >= total)
      c.fail("index " + std::to_string(iv[k]) + " is outside the output " + shape_str(out));
    source[static_cast<size_t>(iv[k])] = k;
  }
  const Tensor flat = cat({reshape(x, {n}), Tensor::zeros({1}, x.dtype())}, 0);
  // gather, not index_select: one tight loop however many cells
  const Tensor y = reshape(gather(flat, 0, Tensor::from_vector(source, {total})), out);
  return {pad_to_output_shape(c, y)};
}

}  // namespace

void add_unpool_ops(OpTable& t) { t["MaxUnpool"] = max_unpool_op; }

}  // namespace nabla::onnx
