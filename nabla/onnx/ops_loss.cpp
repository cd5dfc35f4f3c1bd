// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (opset 12+): input (N, C, d1..dk),
// int64 class targets (N, d1..dk), optional class weights (C), reduction none/sum/mean (the
// weighted mean divides by the summed weights of the non-ignored targets, as ONNX and PyTorch
// do) and ignore_index (absent: no target is ignored). SoftmaxCrossEntropyLoss also returns the
// log-probabilities as its optional second output. Both run on nabla's differentiable
// log_softmax and nll_loss, so an imported training graph can be fine-tuned.
#include <limits>

#include "nabla/onnx/ops.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

using Outs = std::vector<Tensor>;

NllLossOptions loss_options(const OpContext& c, size_t weight_input) {
  NllLossOptions o;
  const std::string r = c.attr_string("reduction", "mean");
  if (r != "none" && r != "sum" && r != "mean")
    c.fail("reduction must be none, sum or mean, got '" + r + "'");
  o.reduction = reduction_from_string(r);
  // no attribute: nothing is ignored, so every target must be a class
  o.ignore_index = c.attr_int("ignore_index", std::numeric_limits<int64_t>::min());
  if (c.has_input(weight_input)) o.weight = c.input(weight_input);
  return o;
}

void check_inputs(const OpContext& c, const Tensor& x, const Tensor& target) {
  if (!is_floating(x.dtype())) c.unsupported("an integer input");
  if (target.dtype() != DType::Int64) c.fail("the target must be int32 or int64 class indices");
  if (x.dim() < 2) c.fail("the input must be (N, C, d1..dk)");
  Shape want = x.shape();
  want.erase(want.begin() + 1);
  if (target.shape() != want)
    c.fail("target shape " + shape_str(target.shape()) + " does not match the input's " +
           shape_str(x.shape()) + " (expected " + shape_str(want) + ")");
}

// nabla's own errors (a class out of range, a weight of the wrong size) named by the node.
template <class F>
Tensor named(const OpContext& c, F f) {
  try {
    return f();
  } catch (const Unsupported&) {
    throw;
  } catch (const Error& e) {
    c.fail(e.what());
  }
}

Outs nll_op(const OpContext& c) {
  const Tensor &x = c.input(0), &t = c.input(1);
  check_inputs(c, x, t);
  const NllLossOptions o = loss_options(c, 2);
  return {named(c, [&] { return nll_loss(x, t, o); })};
}

Outs softmax_cross_entropy_op(const OpContext& c) {
  const Tensor &x = c.input(0), &t = c.input(1);
  check_inputs(c, x, t);
  const NllLossOptions o = loss_options(c, 2);
  const Tensor log_prob = log_softmax(x, 1);
  return {named(c, [&] { return nll_loss(log_prob, t, o); }), log_prob};
}

}  // namespace

void add_loss_ops(OpTable& t) {
  t["NegativeLogLikelihoodLoss"] = nll_op;
  t["SoftmaxCrossEntropyLoss"] = softmax_cross_entropy_op;
}

}  // namespace nabla::onnx
