#include "nabla/optim/adam.hpp"

#include <cmath>

#include "nabla/optim/functional.hpp"

namespace nabla::optim {

namespace {

template <class O>
void validate_adam(const O& o, const char* op) {
  NABLA_CHECK(o.lr >= 0, op, "lr must be >= 0, got ", o.lr);
  NABLA_CHECK(o.eps >= 0, op, "eps must be >= 0, got ", o.eps);
  NABLA_CHECK(o.betas.first >= 0 && o.betas.first < 1, op, "betas.first must be in [0, 1), got ",
              o.betas.first);
  NABLA_CHECK(o.betas.second >= 0 && o.betas.second < 1, op, "betas.second must be in [0, 1), got ",
              o.betas.second);
  NABLA_CHECK(o.weight_decay >= 0, op, "weight_decay must be >= 0, got ", o.weight_decay);
}

std::vector<std::string> adam_state_names(bool amsgrad) {
  if (amsgrad) return {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
  return {"exp_avg", "exp_avg_sq"};
}

void adam_init(const Tensor& param, ParamState& state) {
  for (const auto& name : adam_state_names(true))
    state.buffers[name] = Tensor::zeros(param.shape(), param.dtype());
}

template <class O>
void adam_update(const O& o, bool decoupled, const Tensor& param, const Tensor& grad,
                 ParamState& state) {
  // amsgrad may be switched on after a state without its buffer was loaded.
  if (o.amsgrad && !state.buffers.count("max_exp_avg_sq"))
    state.buffers["max_exp_avg_sq"] = Tensor::zeros(param.shape(), param.dtype());
  functional::adam_step(param, grad, state.buffers.at("exp_avg"), state.buffers.at("exp_avg_sq"),
                        o.amsgrad ? state.buffers.at("max_exp_avg_sq") : Tensor(),
                        {.lr = o.lr,
                         .beta1 = o.betas.first,
                         .beta2 = o.betas.second,
                         .eps = o.eps,
                         .weight_decay = decoupled ? 0.0 : o.weight_decay,
                         .decoupled_weight_decay = decoupled ? o.weight_decay : 0.0,
                         .bias_correction1 = 1 - std::pow(o.betas.first, state.step),
                         .bias_correction2 = 1 - std::pow(o.betas.second, state.step),
                         .amsgrad = o.amsgrad,
                         .maximize = o.maximize});
}

}  // namespace

void AdamOptions::validate(const char* op) const { validate_adam(*this, op); }
void AdamWOptions::validate(const char* op) const { validate_adam(*this, op); }

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : OptimizerWith("Adam", std::move(params), options) {}

std::vector<std::string> Adam::state_names(size_t group) const {
  return adam_state_names(options_[group].amsgrad);
}
void Adam::init_state(size_t, const Tensor& param, ParamState& state) { adam_init(param, state); }
void Adam::update(size_t group, const Tensor& param, const Tensor& grad, ParamState& state) {
  adam_update(options_[group], false, param, grad, state);
}

AdamW::AdamW(std::vector<Tensor> params, AdamWOptions options)
    : OptimizerWith("AdamW", std::move(params), options) {}

std::vector<std::string> AdamW::state_names(size_t group) const {
  return adam_state_names(options_[group].amsgrad);
}
void AdamW::init_state(size_t, const Tensor& param, ParamState& state) { adam_init(param, state); }
void AdamW::update(size_t group, const Tensor& param, const Tensor& grad, ParamState& state) {
  adam_update(options_[group], true, param, grad, state);
}

}  // namespace nabla::optim
