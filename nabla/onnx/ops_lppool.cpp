// LpPool (opsets 7-17: kernel_shape, strides, pads, auto_pad, p): (sum over each window of
// |x|^p)^(1/p). The window sum is AveragePool of |x|^p with count_include_pad = 1 times the
// window size, run through AveragePool's own node code, so pads and auto_pad mean exactly what
// they mean there (zero padding adds nothing to a sum). Differentiable through nabla's ops.
#include "nabla/onnx/ops.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

using Outs = std::vector<Tensor>;

Outs lp_pool_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  if (!is_floating(x.dtype())) c.unsupported("an integer input");
  const int64_t p = c.attr_int("p", 2);
  if (p <= 0) c.fail("p must be positive, got " + std::to_string(p));
  const auto kernel = c.attr_ints("kernel_shape");
  if (kernel.empty()) c.fail("kernel_shape is required");
  double window = 1;
  for (int64_t k : kernel) window *= static_cast<double>(k);
  // the same node (errors still name LpPool) with AveragePool's attributes
  ::onnx::NodeProto avg = c.node();
  for (int i = avg.attribute_size() - 1; i >= 0; --i)
    if (avg.attribute(i).name() == "p") avg.mutable_attribute()->DeleteSubrange(i, 1);
  auto* include_pad = avg.add_attribute();
  include_pad->set_name("count_include_pad");
  include_pad->set_type(::onnx::AttributeProto::INT);
  include_pad->set_i(1);
  const Tensor powered = p == 1 ? abs(x) : p == 2 ? x * x : pow(abs(x), static_cast<double>(p));
  const Tensor sums =
      op_table().at("AveragePool")(OpContext(avg, c.opset(), {powered})).at(0) * window;
  return {p == 1 ? sums : p == 2 ? sqrt(sums) : pow(sums, 1.0 / static_cast<double>(p))};
}

}  // namespace

void add_lp_pool_ops(OpTable& t) { t["LpPool"] = lp_pool_op; }

}  // namespace nabla::onnx
