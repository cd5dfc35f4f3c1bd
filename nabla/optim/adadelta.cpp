#include "nabla/optim/adadelta.hpp"

#include "nabla/optim/functional.hpp"

namespace nabla::optim {

void AdadeltaOptions::validate(const char* op) const {
  NABLA_CHECK(lr >= 0, op, "lr must be >= 0, got ", lr);
  NABLA_CHECK(rho >= 0 && rho <= 1, op, "rho must be in [0, 1], got ", rho);
  NABLA_CHECK(eps >= 0, op, "eps must be >= 0, got ", eps);
  NABLA_CHECK(weight_decay >= 0, op, "weight_decay must be >= 0, got ", weight_decay);
}

Adadelta::Adadelta(std::vector<Tensor> params, AdadeltaOptions options)
    : OptimizerWith("Adadelta", std::move(params), options) {}

void Adadelta::init_state(size_t, const Tensor& param, ParamState& state) {
  state.buffers["square_avg"] = Tensor::zeros(param.shape(), param.dtype());
  state.buffers["acc_delta"] = Tensor::zeros(param.shape(), param.dtype());
}

void Adadelta::update(size_t group, const Tensor& param, const Tensor& grad, ParamState& state) {
  const AdadeltaOptions& o = options_[group];
  functional::adadelta_step(param, grad, state.buffers.at("square_avg"),
                            state.buffers.at("acc_delta"),
                            {.lr = o.lr,
                             .rho = o.rho,
                             .eps = o.eps,
                             .weight_decay = o.weight_decay,
                             .maximize = o.maximize});
}

}  // namespace nabla::optim
