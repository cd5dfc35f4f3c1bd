#include "nabla/optim/nadam.hpp"

#include <cmath>

#include "nabla/optim/functional.hpp"

namespace nabla::optim {

void NAdamOptions::validate(const char* op) const {
  NABLA_CHECK(lr >= 0, op, "lr must be >= 0, got ", lr);
  NABLA_CHECK(eps >= 0, op, "eps must be >= 0, got ", eps);
  NABLA_CHECK(betas.first >= 0 && betas.first < 1, op, "betas.first must be in [0, 1), got ",
              betas.first);
  NABLA_CHECK(betas.second >= 0 && betas.second < 1, op, "betas.second must be in [0, 1), got ",
              betas.second);
  NABLA_CHECK(weight_decay >= 0, op, "weight_decay must be >= 0, got ", weight_decay);
  NABLA_CHECK(momentum_decay >= 0, op, "momentum_decay must be >= 0, got ", momentum_decay);
}

NAdam::NAdam(std::vector<Tensor> params, NAdamOptions options)
    : OptimizerWith("NAdam", std::move(params), options) {}

std::vector<std::string> NAdam::state_names(size_t) const { return {"exp_avg", "exp_avg_sq"}; }
std::vector<std::string> NAdam::scalar_state_names(size_t) const { return {"mu_product"}; }

void NAdam::init_state(size_t, const Tensor& param, ParamState& state) {
  for (const char* name : {"exp_avg", "exp_avg_sq"})
    state.buffers[name] = Tensor::zeros(param.shape(), param.dtype());
  state.scalars["mu_product"] = 1.0;
}

void NAdam::update(size_t group, const Tensor& param, const Tensor& grad, ParamState& state) {
  const NAdamOptions& o = options_[group];
  const double b1 = o.betas.first, t = state.step;
  const double mu = b1 * (1 - 0.5 * std::pow(0.96, t * o.momentum_decay));
  const double mu_next = b1 * (1 - 0.5 * std::pow(0.96, (t + 1) * o.momentum_decay));
  // PyTorch keeps mu_product in a float32 tensor whatever the parameter's dtype, so the product
  // is rounded to float each step; doing the same keeps float64 trajectories on PyTorch's (to
  // 1e-14 relative; unrounded they drift by ~1e-8).
  double& mu_product = state.scalars.at("mu_product");
  mu_product = static_cast<float>(static_cast<float>(mu_product) * static_cast<float>(mu));
  functional::nadam_step(param, grad, state.buffers.at("exp_avg"), state.buffers.at("exp_avg_sq"),
                         {.beta1 = b1,
                          .beta2 = o.betas.second,
                          .eps = o.eps,
                          .weight_decay = o.weight_decay,
                          .bias_correction2 = 1 - std::pow(o.betas.second, t),
                          .grad_step = o.lr * (1 - mu) / (1 - mu_product),
                          .avg_step = o.lr * mu_next / (1 - mu_product * mu_next)});
}

}  // namespace nabla::optim
