// RMSprop: gradients divided by a running RMS of recent gradients, optionally centered (minus
// the running mean) and with momentum (PyTorch 1.13's torch.optim.RMSprop).
#pragma once
#include "nabla/optim/optimizer.hpp"

namespace nabla::optim {

struct RmspropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum = 0;
  bool centered = false;
  bool maximize = false;

  void validate(const char* op) const;
  template <class F>
  void visit(F&& f) {
    f("lr", lr), f("alpha", alpha), f("eps", eps), f("weight_decay", weight_decay);
    f("momentum", momentum), f("centered", centered), f("maximize", maximize);
  }
};

class RMSprop : public OptimizerWith<RmspropOptions> {
 public:
  using Options = RmspropOptions;
  explicit RMSprop(std::vector<Tensor> params, RmspropOptions options = {});

 protected:
  std::vector<std::string> state_names(size_t group) const override;
  void init_state(size_t group, const Tensor& param, ParamState& state) override;
  void update(size_t group, const Tensor& param, const Tensor& grad, ParamState& state) override;
};

}  // namespace nabla::optim
