#include "nabla/optim/rmsprop.hpp"

#include "nabla/optim/functional.hpp"

namespace nabla::optim {

void RmspropOptions::validate(const char* op) const {
  NABLA_CHECK(lr >= 0, op, "lr must be >= 0, got ", lr);
  NABLA_CHECK(alpha >= 0, op, "alpha must be >= 0, got ", alpha);
  NABLA_CHECK(eps >= 0, op, "eps must be >= 0, got ", eps);
  NABLA_CHECK(weight_decay >= 0, op, "weight_decay must be >= 0, got ", weight_decay);
  NABLA_CHECK(momentum >= 0, op, "momentum must be >= 0, got ", momentum);
}

RMSprop::RMSprop(std::vector<Tensor> params, RmspropOptions options)
    : OptimizerWith("RMSprop", std::move(params), options) {}

std::vector<std::string> RMSprop::state_names(size_t group) const {
  std::vector<std::string> names{"square_avg"};
  if (options_[group].centered) names.push_back("grad_avg");
  if (options_[group].momentum > 0) names.push_back("momentum_buffer");
  return names;
}

void RMSprop::init_state(size_t group, const Tensor& param, ParamState& state) {
  for (const auto& name : state_names(group))
    state.buffers[name] = Tensor::zeros(param.shape(), param.dtype());
}

void RMSprop::update(size_t group, const Tensor& param, const Tensor& grad, ParamState& state) {
  const RmspropOptions& o = options_[group];
  // Options may change between steps (set_options); make buffers that became needed.
  for (const auto& name : state_names(group))
    if (!state.buffers.count(name))
      state.buffers[name] = Tensor::zeros(param.shape(), param.dtype());
  auto get = [&](const char* name) {
    auto it = state.buffers.find(name);
    return it == state.buffers.end() ? Tensor() : it->second;
  };
  functional::rmsprop_step(param, grad, state.buffers.at("square_avg"),
                           o.centered ? get("grad_avg") : Tensor(),
                           o.momentum > 0 ? get("momentum_buffer") : Tensor(),
                           {.lr = o.lr,
                            .alpha = o.alpha,
                            .eps = o.eps,
                            .weight_decay = o.weight_decay,
                            .momentum = o.momentum,
                            .centered = o.centered,
                            .maximize = o.maximize});
}

}  // namespace nabla::optim
