// Adagrad: per-coordinate step sizes from the running sum of squared gradients, with an
// optional learning-rate decay (PyTorch 1.13's torch.optim.Adagrad).
#pragma once
#include "nabla/optim/optimizer.hpp"

namespace nabla::optim {

struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0;
  double weight_decay = 0;
  double initial_accumulator_value = 0;
  double eps = 1e-10;
  bool maximize = false;

  void validate(const char* op) const;
  template <class F>
  void visit(F&& f) {
    f("lr", lr), f("lr_decay", lr_decay), f("weight_decay", weight_decay);
    f("initial_accumulator_value", initial_accumulator_value), f("eps", eps);
    f("maximize", maximize);
  }
};

class Adagrad : public OptimizerWith<AdagradOptions> {
 public:
  using Options = AdagradOptions;
  explicit Adagrad(std::vector<Tensor> params, AdagradOptions options = {});

 protected:
  std::vector<std::string> state_names(size_t) const override { return {"sum"}; }
  void init_state(size_t group, const Tensor& param, ParamState& state) override;
  void update(size_t group, const Tensor& param, const Tensor& grad, ParamState& state) override;
};

}  // namespace nabla::optim
