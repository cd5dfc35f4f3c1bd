// NAdam (Dozat 2016): Adam whose first-moment step looks one step ahead, as Nesterov momentum
// does, with a momentum schedule mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay)).
// PyTorch 1.13's torch.optim.NAdam as documented, which is its foreach=True path and PyTorch
// 2's default; the 1.13 default path (foreach=False) multiplies mu_t into the look-ahead product
// twice, a bug PyTorch 2.0 fixed.
#pragma once
#include <utility>

#include "nabla/optim/optimizer.hpp"

namespace nabla::optim {

struct NAdamOptions {
  double lr = 2e-3;
  std::pair<double, double> betas{0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0;  // L2: added to the gradient
  double momentum_decay = 4e-3;

  void validate(const char* op) const;
  template <class F>
  void visit(F&& f) {
    f("lr", lr), f("beta1", betas.first), f("beta2", betas.second), f("eps", eps);
    f("weight_decay", weight_decay), f("momentum_decay", momentum_decay);
  }
};

// State per parameter: exp_avg, exp_avg_sq (buffers), mu_product (the product of every mu_t so
// far) and step.
class NAdam : public OptimizerWith<NAdamOptions> {
 public:
  using Options = NAdamOptions;
  explicit NAdam(std::vector<Tensor> params, NAdamOptions options = {});

 protected:
  std::vector<std::string> state_names(size_t group) const override;
  std::vector<std::string> scalar_state_names(size_t group) const override;
  void init_state(size_t group, const Tensor& param, ParamState& state) override;
  void update(size_t group, const Tensor& param, const Tensor& grad, ParamState& state) override;
};

}  // namespace nabla::optim
