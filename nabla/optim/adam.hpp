// Adam (Kingma & Ba) and AdamW (decoupled weight decay, Loshchilov & Hutter), with the
// AMSGrad variant: PyTorch 1.13's torch.optim.Adam and torch.optim.AdamW. eps sits outside
// the square root and guards the division where the second moment is tiny; it matters.
#pragma once
#include <utility>

#include "nabla/optim/optimizer.hpp"

namespace nabla::optim {

struct AdamOptions {
  double lr = 1e-3;
  std::pair<double, double> betas{0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0;  // L2: added to the gradient
  bool amsgrad = false;
  bool maximize = false;

  void validate(const char* op) const;
  template <class F>
  void visit(F&& f) {
    f("lr", lr), f("beta1", betas.first), f("beta2", betas.second), f("eps", eps);
    f("weight_decay", weight_decay), f("amsgrad", amsgrad), f("maximize", maximize);
  }
};

// Same fields as AdamOptions; weight_decay is decoupled (param *= 1 - lr * weight_decay).
struct AdamWOptions {
  double lr = 1e-3;
  std::pair<double, double> betas{0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
  bool maximize = false;

  void validate(const char* op) const;
  template <class F>
  void visit(F&& f) {
    f("lr", lr), f("beta1", betas.first), f("beta2", betas.second), f("eps", eps);
    f("weight_decay", weight_decay), f("amsgrad", amsgrad), f("maximize", maximize);
  }
};

class Adam : public OptimizerWith<AdamOptions> {
 public:
  using Options = AdamOptions;
  explicit Adam(std::vector<Tensor> params, AdamOptions options = {});

 protected:
  std::vector<std::string> state_names(size_t group) const override;
  void init_state(size_t group, const Tensor& param, ParamState& state) override;
  void update(size_t group, const Tensor& param, const Tensor& grad, ParamState& state) override;
};

class AdamW : public OptimizerWith<AdamWOptions> {
 public:
  using Options = AdamWOptions;
  explicit AdamW(std::vector<Tensor> params, AdamWOptions options = {});

 protected:
  std::vector<std::string> state_names(size_t group) const override;
  void init_state(size_t group, const Tensor& param, ParamState& state) override;
  void update(size_t group, const Tensor& param, const Tensor& grad, ParamState& state) override;
};

}  // namespace nabla::optim
