#include "nabla/nn/regularize.hpp"

#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"

namespace nabla::nn {

Tensor l2_penalty(const std::vector<Tensor>& params, double alpha) {
  NABLA_CHECK(alpha >= 0, "l2_penalty", "alpha must be >= 0, got ", alpha);
  if (params.empty()) return Tensor::scalar(0.0);
  Tensor total;
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    NABLA_CHECK(p.defined() && is_floating(p.dtype()), "l2_penalty", "parameter ", i,
                " must be a defined float32/float64 tensor");
    NABLA_CHECK(p.dtype() == params[0].dtype(), "l2_penalty", "parameter ", i, " is ",
                dtype_name(p.dtype()), " but parameter 0 is ", dtype_name(params[0].dtype()));
    Tensor sq = sum(mul(p, p));
    total = total.defined() ? add(total, sq) : sq;
  }
  return mul(total, alpha / 2);
}

}  // namespace nabla::nn
