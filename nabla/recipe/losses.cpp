#include "nabla/recipe/losses.hpp"

#include "nabla/nn/loss.hpp"

namespace nabla::recipe {

train::LossFn loss_from_config(const io::Config& l) {
  const std::string name = l.get_string("name", "cross_entropy");
  NABLA_CHECK(name == "cross_entropy", "loss.name",
              "only \"cross_entropy\" trains classifiers here, got \"", name, "\"");
  nn::CrossEntropyLossOptions o;
  o.label_smoothing = l.get_double("label_smoothing", 0.0);
  nn::CrossEntropyLoss ce(o);
  return [ce](const Tensor& out, const Tensor& target) { return ce(out, target); };
}

}  // namespace nabla::recipe
