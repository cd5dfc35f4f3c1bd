#include "nabla/recipe/optimizers.hpp"

#include "nabla/optim/optim.hpp"

namespace nabla::recipe {

namespace {

using Params = std::vector<Tensor>;
using OptimizerPtr = std::unique_ptr<optim::Optimizer>;

std::pair<double, double> read_betas(const io::Config& o) {
  const auto betas = o.get_double_list("betas", std::vector<double>{0.9, 0.999});
  NABLA_CHECK(betas.size() == 2, "optimizer.betas", "expected two numbers, e.g. [0.9, 0.999], got ",
              betas.size());
  return {betas[0], betas[1]};
}

OptimizerPtr sgd(const io::Config& o, const Params& params) {
  optim::SgdOptions s;
  s.lr = o.get_double("lr", 0.01);
  s.momentum = o.get_double("momentum", 0.0);
  s.dampening = o.get_double("dampening", 0.0);
  s.nesterov = o.get_bool("nesterov", false);
  s.weight_decay = o.get_double("weight_decay", 0.0);
  return std::make_unique<optim::SGD>(params, s);
}

OptimizerPtr adam(const io::Config& o, const Params& params) {
  optim::AdamOptions a;
  a.lr = o.get_double("lr", 1e-3);
  a.betas = read_betas(o);
  a.eps = o.get_double("eps", 1e-8);
  a.weight_decay = o.get_double("weight_decay", 0.0);
  a.amsgrad = o.get_bool("amsgrad", false);
  return std::make_unique<optim::Adam>(params, a);
}

OptimizerPtr adamw(const io::Config& o, const Params& params) {
  optim::AdamWOptions a;
  a.lr = o.get_double("lr", 1e-3);
  a.betas = read_betas(o);
  a.eps = o.get_double("eps", 1e-8);
  a.weight_decay = o.get_double("weight_decay", 1e-2);  // decoupled; PyTorch's default
  a.amsgrad = o.get_bool("amsgrad", false);
  return std::make_unique<optim::AdamW>(params, a);
}

OptimizerPtr adagrad(const io::Config& o, const Params& params) {
  optim::AdagradOptions a;
  a.lr = o.get_double("lr", 1e-2);
  a.lr_decay = o.get_double("lr_decay", 0.0);
  a.eps = o.get_double("eps", 1e-10);
  a.weight_decay = o.get_double("weight_decay", 0.0);
  return std::make_unique<optim::Adagrad>(params, a);
}

OptimizerPtr adadelta(const io::Config& o, const Params& params) {
  optim::AdadeltaOptions a;
  a.lr = o.get_double("lr", 1.0);
  a.rho = o.get_double("rho", 0.9);
  a.eps = o.get_double("eps", 1e-6);
  a.weight_decay = o.get_double("weight_decay", 0.0);
  return std::make_unique<optim::Adadelta>(params, a);
}

OptimizerPtr rmsprop(const io::Config& o, const Params& params) {
  optim::RmspropOptions r;
  r.lr = o.get_double("lr", 1e-2);
  r.alpha = o.get_double("alpha", 0.99);
  r.eps = o.get_double("eps", 1e-8);
  r.momentum = o.get_double("momentum", 0.0);
  r.centered = o.get_bool("centered", false);
  r.weight_decay = o.get_double("weight_decay", 0.0);
  return std::make_unique<optim::RMSprop>(params, r);
}

OptimizerPtr nadam(const io::Config& o, const Params& params) {
  optim::NAdamOptions a;
  a.lr = o.get_double("lr", 2e-3);
  a.betas = read_betas(o);
  a.eps = o.get_double("eps", 1e-8);
  a.weight_decay = o.get_double("weight_decay", 0.0);
  a.momentum_decay = o.get_double("momentum_decay", 4e-3);
  return std::make_unique<optim::NAdam>(params, a);
}

}  // namespace

Registry<OptimizerBuilder>& optimizers() {
  static Registry<OptimizerBuilder> table(
      "optimizer", "optimizer.name",
      {
          {"sgd", sgd,
           "stochastic gradient descent, optional (Nesterov) momentum (keys: lr = 0.01; momentum = "
           "0; dampening = 0; nesterov = false; weight_decay = 0)"},
          {"adam", adam,
           "Adam, L2 weight decay added to the gradient (keys: lr = 0.001; betas = [0.9, 0.999]; "
           "eps = 1e-8; weight_decay = 0; amsgrad = false)"},
          {"adamw", adamw,
           "Adam with decoupled weight decay (keys: lr = 0.001; betas = [0.9, 0.999]; eps = 1e-8; "
           "weight_decay = 0.01; amsgrad = false)"},
          {"adagrad", adagrad,
           "per-parameter steps shrinking with the summed squared gradients (keys: lr = 0.01; "
           "lr_decay = 0; eps = 1e-10; weight_decay = 0)"},
          {"adadelta", adadelta,
           "Adagrad's steps from running averages, no learning rate needed (keys: lr = 1; rho = "
           "0.9; eps = 1e-6; weight_decay = 0)"},
          {"rmsprop", rmsprop,
           "steps divided by a running RMS of the gradients (keys: lr = 0.01; alpha = 0.99; eps = "
           "1e-8; momentum = 0; centered = false; weight_decay = 0)"},
          {"nadam", nadam,
           "Adam with Nesterov momentum (keys: lr = 0.002; betas = [0.9, 0.999]; eps = 1e-8; "
           "weight_decay = 0; momentum_decay = 0.004)"},
      });
  return table;
}

std::unique_ptr<optim::Optimizer> optimizer_from_config(const io::Config& o,
                                                        const std::vector<Tensor>& params) {
  return optimizers().builder(o.get_string("name", "adam"))(o, params);
}

}  // namespace nabla::recipe
