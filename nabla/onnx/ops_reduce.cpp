// Reductions (ReduceMean/Sum/Max/Min/L1/L2/SumSquare/LogSum/LogSumExp, ArgMax/ArgMin) and
// Softmax/LogSoftmax. ReduceSum takes axes as an input from opset 13 on, the others as an
// attribute (their input form is opset 18, past what this importer targets). Softmax before
// opset 13 works on the input flattened to 2-D at `axis`; from 13 on along `axis` alone.
#include <algorithm>

#include "nabla/onnx/ops.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

using Outs = std::vector<Tensor>;

// The reduced axes, wrapped and sorted from the last; empty input means "all" unless
// noop_with_empty_axes (then the op is the identity, signalled by an empty result).
std::vector<int64_t> reduce_axes(const OpContext& c, const Tensor& x, bool& noop) {
  std::vector<int64_t> axes = c.has_input(1) ? c.input_ints(1) : c.attr_ints("axes");
  noop = axes.empty() && c.attr_int("noop_with_empty_axes", 0) != 0;
  if (axes.empty())
    for (int64_t d = 0; d < x.dim(); ++d) axes.push_back(d);
  for (int64_t& a : axes) a = wrap_axis(c, a, x.dim());
  std::sort(axes.rbegin(), axes.rend());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

enum class Kind { Mean, Sum, Max, Min, L1, L2, SumSquare, LogSum, LogSumExp };

Tensor reduce_with(Kind k, const Tensor& x, const std::vector<int64_t>& axes, bool keep) {
  switch (k) {
    case Kind::Mean:
      return mean(x, axes, keep);
    case Kind::Sum:
      return sum(x, axes, keep);
    case Kind::L1:
      return sum(abs(x), axes, keep);
    case Kind::L2:
      return sqrt(sum(x * x, axes, keep));
    case Kind::SumSquare:
      return sum(x * x, axes, keep);
    case Kind::LogSum:
      return log(sum(x, axes, keep));
    case Kind::LogSumExp: {
      Tensor y = x;
      for (int64_t a : axes) y = logsumexp(y, a, keep);  // axes run from the last
      return y;
    }
    default: {
      Tensor y = x;
      for (int64_t a : axes) y = k == Kind::Max ? max(y, a, keep) : min(y, a, keep);
      return y;
    }
  }
}

OpFn reduce(Kind k) {
  return [k](const OpContext& c) {
    const Tensor& x = c.input(0);
    if (!is_floating(x.dtype())) c.unsupported("an integer input");
    bool noop = false;
    const auto axes = reduce_axes(c, x, noop);
    if (noop) return Outs{x};
    if (x.dim() == 0) return Outs{x};
    return Outs{reduce_with(k, x, axes, c.attr_int("keepdims", 1) != 0)};
  };
}

OpFn arg_reduce(bool is_max) {
  return [is_max](const OpContext& c) {
    const Tensor& x = c.input(0);
    if (!is_floating(x.dtype())) c.unsupported("an integer input");
    const int64_t axis = wrap_axis(c, c.attr_int("axis", 0), x.dim());
    const bool keep = c.attr_int("keepdims", 1) != 0;
    auto arg = [&](const Tensor& t) {
      return is_max ? argmax(t, axis, keep) : argmin(t, axis, keep);
    };
    if (c.attr_int("select_last_index", 0) == 0) return Outs{arg(x)};
    // the last extreme: the first one of the reversed axis, mapped back (n - 1 - i)
    const int64_t n = x.size(axis);
    const Tensor reversed =
        index_select(x, axis, Tensor::arange(static_cast<double>(n - 1), -1, -1, DType::Int64));
    return Outs{to_dtype(static_cast<double>(n - 1) - to_dtype(arg(reversed), DType::Float64),
                         DType::Int64)};
  };
}

OpFn softmax_op(bool log) {
  return [log](const OpContext& c) {
    const Tensor& x = c.input(0);
    const int64_t axis = wrap_axis(c, c.attr_int("axis", c.opset() >= 13 ? -1 : 1), x.dim());
    auto f = [log](const Tensor& t, int64_t d) { return log ? log_softmax(t, d) : softmax(t, d); };
    if (c.opset() >= 13) return Outs{f(x, axis)};
    int64_t rows = 1;
    for (int64_t d = 0; d < axis; ++d) rows *= x.size(d);
    return Outs{f(x.reshape({rows, -1}), 1).reshape(x.shape())};
  };
}

}  // namespace

void add_reduce_ops(OpTable& t) {
  t["ReduceMean"] = reduce(Kind::Mean);
  t["ReduceSum"] = reduce(Kind::Sum);
  t["ReduceMax"] = reduce(Kind::Max);
  t["ReduceMin"] = reduce(Kind::Min);
  t["ReduceL1"] = reduce(Kind::L1);
  t["ReduceL2"] = reduce(Kind::L2);
  t["ReduceSumSquare"] = reduce(Kind::SumSquare);
  t["ReduceLogSum"] = reduce(Kind::LogSum);
  t["ReduceLogSumExp"] = reduce(Kind::LogSumExp);
  t["ArgMax"] = arg_reduce(true);
  t["ArgMin"] = arg_reduce(false);
  t["Softmax"] = softmax_op(false);
  t["LogSoftmax"] = softmax_op(true);
}

}  // namespace nabla::onnx
