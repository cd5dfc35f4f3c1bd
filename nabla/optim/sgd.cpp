#include "nabla/optim/sgd.hpp"

#include "nabla/optim/functional.hpp"

namespace nabla::optim {

void SgdOptions::validate(const char* op) const {
  NABLA_CHECK(lr >= 0, op,
              "needs a learning rate >= 0, e.g. SGD(params, {.lr = 0.1}); got lr = ", lr);
  NABLA_CHECK(momentum >= 0, op, "momentum must be >= 0, got ", momentum);
  NABLA_CHECK(weight_decay >= 0, op, "weight_decay must be >= 0, got ", weight_decay);
  NABLA_CHECK(!nesterov || (momentum > 0 && dampening == 0), op,
              "Nesterov momentum needs momentum > 0 and dampening = 0, got momentum = ", momentum,
              ", dampening = ", dampening);
}

SGD::SGD(std::vector<Tensor> params, SgdOptions options)
    : OptimizerWith("SGD", std::move(params), options) {}

std::vector<std::string> SGD::state_names(size_t group) const {
  if (options_[group].momentum == 0) return {};
  return {"momentum_buffer"};
}

void SGD::init_state(size_t, const Tensor&, ParamState&) {
  // The momentum buffer starts as the first gradient, so it is made in update().
}

void SGD::update(size_t group, const Tensor& param, const Tensor& grad, ParamState& state) {
  const SgdOptions& o = options_[group];
  bool first = false;
  Tensor buf;
  if (o.momentum != 0) {
    auto it = state.buffers.find("momentum_buffer");
    first = it == state.buffers.end();
    if (first) it = state.buffers.emplace("momentum_buffer", Tensor::empty_like(param)).first;
    buf = it->second;
  }
  functional::sgd_step(param, grad, buf, first,
                       {.lr = o.lr,
                        .momentum = o.momentum,
                        .dampening = o.dampening,
                        .weight_decay = o.weight_decay,
                        .nesterov = o.nesterov,
                        .maximize = o.maximize});
}

}  // namespace nabla::optim
