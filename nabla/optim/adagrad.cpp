#include "nabla/optim/adagrad.hpp"

#include "nabla/optim/functional.hpp"

namespace nabla::optim {

void AdagradOptions::validate(const char* op) const {
  NABLA_CHECK(lr >= 0, op, "lr must be >= 0, got ", lr);
  NABLA_CHECK(lr_decay >= 0, op, "lr_decay must be >= 0, got ", lr_decay);
  NABLA_CHECK(weight_decay >= 0, op, "weight_decay must be >= 0, got ", weight_decay);
  NABLA_CHECK(initial_accumulator_value >= 0, op, "initial_accumulator_value must be >= 0, got ",
              initial_accumulator_value);
  NABLA_CHECK(eps >= 0, op, "eps must be >= 0, got ", eps);
}

Adagrad::Adagrad(std::vector<Tensor> params, AdagradOptions options)
    : OptimizerWith("Adagrad", std::move(params), options) {}

void Adagrad::init_state(size_t group, const Tensor& param, ParamState& state) {
  state.buffers["sum"] =
      Tensor::full(param.shape(), options_[group].initial_accumulator_value, param.dtype());
}

void Adagrad::update(size_t group, const Tensor& param, const Tensor& grad, ParamState& state) {
  const AdagradOptions& o = options_[group];
  const double clr = o.lr / (1 + (state.step - 1) * o.lr_decay);
  functional::adagrad_step(
      param, grad, state.buffers.at("sum"),
      {.clr = clr, .weight_decay = o.weight_decay, .eps = o.eps, .maximize = o.maximize});
}

}  // namespace nabla::optim
