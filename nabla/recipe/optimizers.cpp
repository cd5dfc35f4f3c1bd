#include "nabla/recipe/optimizers.hpp"

#include "nabla/optim/optim.hpp"

namespace nabla::recipe {

std::unique_ptr<optim::Optimizer> optimizer_from_config(const io::Config& o,
                                                        const std::vector<Tensor>& params) {
  const std::string name = o.get_string("name", "adam");
  const double wd = o.get_double("weight_decay", 0.0);
  if (name == "sgd") {
    optim::SgdOptions s;
    s.lr = o.get_double("lr", 0.01);
    s.momentum = o.get_double("momentum", 0.0);
    s.dampening = o.get_double("dampening", 0.0);
    s.nesterov = o.get_bool("nesterov", false);
    s.weight_decay = wd;
    return std::make_unique<optim::SGD>(params, s);
  }
  if (name == "adam" || name == "adamw") {
    const auto betas = o.get_double_list("betas", std::vector<double>{0.9, 0.999});
    NABLA_CHECK(betas.size() == 2, "optimizer.betas", "expected two numbers, got ", betas.size());
    if (name == "adamw") {
      optim::AdamWOptions a;
      a.lr = o.get_double("lr", 1e-3);
      a.betas = {betas[0], betas[1]};
      a.eps = o.get_double("eps", 1e-8);
      a.weight_decay = o.get_double("weight_decay", 1e-2);
      a.amsgrad = o.get_bool("amsgrad", false);
      return std::make_unique<optim::AdamW>(params, a);
    }
    optim::AdamOptions a;
    a.lr = o.get_double("lr", 1e-3);
    a.betas = {betas[0], betas[1]};
    a.eps = o.get_double("eps", 1e-8);
    a.weight_decay = wd;
    a.amsgrad = o.get_bool("amsgrad", false);
    return std::make_unique<optim::Adam>(params, a);
  }
  if (name == "adagrad") {
    optim::AdagradOptions a;
    a.lr = o.get_double("lr", 1e-2);
    a.lr_decay = o.get_double("lr_decay", 0.0);
    a.eps = o.get_double("eps", 1e-10);
    a.weight_decay = wd;
    return std::make_unique<optim::Adagrad>(params, a);
  }
  if (name == "adadelta") {
    optim::AdadeltaOptions a;
    a.lr = o.get_double("lr", 1.0);
    a.rho = o.get_double("rho", 0.9);
    a.eps = o.get_double("eps", 1e-6);
    a.weight_decay = wd;
    return std::make_unique<optim::Adadelta>(params, a);
  }
  if (name == "rmsprop") {
    optim::RmspropOptions r;
    r.lr = o.get_double("lr", 1e-2);
    r.alpha = o.get_double("alpha", 0.99);
    r.eps = o.get_double("eps", 1e-8);
    r.momentum = o.get_double("momentum", 0.0);
    r.centered = o.get_bool("centered", false);
    r.weight_decay = wd;
    return std::make_unique<optim::RMSprop>(params, r);
  }
  NABLA_CHECK(false, "optimizer.name", "unknown optimizer \"", name,
              "\" (expected sgd, adam, adamw, adagrad, adadelta or rmsprop)");
  return nullptr;
}

}  // namespace nabla::recipe
