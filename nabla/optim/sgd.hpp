// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2
// weight decay (PyTorch 1.13's torch.optim.SGD). Per-sample, mini-batch or full-batch descent
// is the caller's choice of batch; the update is the same.
#pragma once
#include "nabla/optim/optimizer.hpp"

namespace nabla::optim {

struct SgdOptions {
  double lr = -1;  // required, as in PyTorch: SGD(params, {.lr = 0.1})
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
  bool maximize = false;

  void validate(const char* op) const;
  template <class F>
  void visit(F&& f) {
    f("lr", lr), f("momentum", momentum), f("dampening", dampening);
    f("weight_decay", weight_decay), f("nesterov", nesterov), f("maximize", maximize);
  }
};

class SGD : public OptimizerWith<SgdOptions> {
 public:
  using Options = SgdOptions;
  SGD(std::vector<Tensor> params, SgdOptions options);

 protected:
  std::vector<std::string> state_names(size_t group) const override;
  void init_state(size_t group, const Tensor& param, ParamState& state) override;
  void update(size_t group, const Tensor& param, const Tensor& grad, ParamState& state) override;
};

}  // namespace nabla::optim
