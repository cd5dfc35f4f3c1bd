#include "nabla/recipe/inits.hpp"

#include <algorithm>
#include <vector>

#include "nabla/core/error.hpp"
#include "nabla/nn/init.hpp"

namespace nabla::recipe {

namespace {
std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}
}  // namespace

void init_model(nn::Module& net, const std::string& scheme) {
  static const std::vector<std::string> kSchemes{"default",    "xavier_uniform", "xavier_normal",
                                                 "he_uniform", "he_normal",      "zeros"};
  NABLA_CHECK(std::find(kSchemes.begin(), kSchemes.end(), scheme) != kSchemes.end(), "model.init",
              "unknown init '", scheme, "' (expected one of: ", join(kSchemes), ")");
  if (scheme == "default") return;
  for (auto& [name, p] : net.named_parameters()) {
    const bool is_bias = name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0;
    if (p.dim() < 2) {
      // norm layers' weights stay at one; biases go to zero
      if (is_bias) nn::init::zeros_(p);
      continue;
    }
    if (scheme == "xavier_uniform")
      nn::init::xavier_uniform_(p);
    else if (scheme == "xavier_normal")
      nn::init::xavier_normal_(p);
    else if (scheme == "he_uniform")
      nn::init::kaiming_uniform_(p, 0, nn::init::FanMode::FanIn, nn::init::Nonlinearity::ReLU);
    else if (scheme == "he_normal")
      nn::init::kaiming_normal_(p, 0, nn::init::FanMode::FanIn, nn::init::Nonlinearity::ReLU);
    else
      nn::init::zeros_(p);
  }
}

}  // namespace nabla::recipe
