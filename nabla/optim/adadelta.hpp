// Adadelta: step sizes from the ratio of two running averages, of squared updates and of
// squared gradients, so the units match and no learning rate is needed (lr = 1 leaves the
// update as Zeiler's; PyTorch 1.13's torch.optim.Adadelta keeps lr as a scale).
#pragma once
#include "nabla/optim/optimizer.hpp"

namespace nabla::optim {

struct AdadeltaOptions {
  double lr = 1.0;
  double rho = 0.9;
  double eps = 1e-6;
  double weight_decay = 0;
  bool maximize = false;

  void validate(const char* op) const;
  template <class F>
  void visit(F&& f) {
    f("lr", lr), f("rho", rho), f("eps", eps), f("weight_decay", weight_decay);
    f("maximize", maximize);
  }
};

class Adadelta : public OptimizerWith<AdadeltaOptions> {
 public:
  using Options = AdadeltaOptions;
  explicit Adadelta(std::vector<Tensor> params, AdadeltaOptions options = {});

 protected:
  std::vector<std::string> state_names(size_t) const override {
    return {"acc_delta", "square_avg"};
  }
  void init_state(size_t group, const Tensor& param, ParamState& state) override;
  void update(size_t group, const Tensor& param, const Tensor& grad, ParamState& state) override;
};

}  // namespace nabla::optim
