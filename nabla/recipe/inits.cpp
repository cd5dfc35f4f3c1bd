#include "nabla/recipe/inits.hpp"

#include "nabla/nn/init.hpp"

namespace nabla::recipe {

namespace {

using nn::init::FanMode;
using nn::init::Nonlinearity;

// Each scheme as one fill of a weight tensor; init_weights does the walk.
InitScheme each_weight(void (*fill)(Tensor&)) {
  return [fill](nn::Module& net) { init_weights(net, fill); };
}

void xavier_uniform(Tensor& w) { nn::init::xavier_uniform_(w); }
void xavier_normal(Tensor& w) { nn::init::xavier_normal_(w); }
void he_uniform(Tensor& w) { nn::init::kaiming_uniform_(w, 0, FanMode::FanIn, Nonlinearity::ReLU); }
void he_normal(Tensor& w) { nn::init::kaiming_normal_(w, 0, FanMode::FanIn, Nonlinearity::ReLU); }
void zeros(Tensor& w) { nn::init::zeros_(w); }

}  // namespace

void init_weights(nn::Module& net, const std::function<void(Tensor& weight)>& fill) {
  for (auto& [name, p] : net.named_parameters()) {
    const bool is_bias = name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0;
    if (p.dim() < 2) {
      if (is_bias) nn::init::zeros_(p);
      continue;
    }
    fill(p);
  }
}

Registry<InitScheme>& init_schemes() {
  static Registry<InitScheme> table(
      "init scheme", "model.init",
      {
          {"default", [](nn::Module&) {}, "each layer's own initialisation (PyTorch's defaults)"},
          {"xavier_uniform", each_weight(xavier_uniform),
           "Glorot: U(-a, a), a = sqrt(6 / (fan_in + fan_out)); biases zero"},
          {"xavier_normal", each_weight(xavier_normal),
           "Glorot: N(0, 2 / (fan_in + fan_out)); biases zero"},
          {"he_uniform", each_weight(he_uniform),
           "He/Kaiming for ReLU: U(-a, a), a = sqrt(6 / fan_in); biases zero"},
          {"he_normal", each_weight(he_normal),
           "He/Kaiming for ReLU: N(0, 2 / fan_in); biases zero"},
          {"zeros", each_weight(zeros),
           "every conv/linear weight and bias zero: fails to break symmetry (the notes' warning)"},
      });
  return table;
}

void init_model(nn::Module& net, const std::string& scheme) { init_schemes().builder(scheme)(net); }

}  // namespace nabla::recipe
