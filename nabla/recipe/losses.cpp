#include "nabla/recipe/losses.hpp"

#include <string>
#include <vector>

#include "nabla/nn/loss.hpp"
#include "nabla/ops/reduce.hpp"

namespace nabla::recipe {

namespace {

// One-hot rows (N, C) in the output's dtype, for the losses that compare per-class scores with
// 0/1 targets. Checked here because an index outside [0, C) would silently give a zero row.
Tensor one_hot_like(const Tensor& out, const Tensor& target, const char* loss) {
  NABLA_CHECK(out.dim() == 2, loss, "expects (N, C) class scores, got ", shape_str(out.shape()));
  NABLA_CHECK(target.dtype() == DType::Int64 && target.dim() == 1 && target.size(0) == out.size(0),
              loss, "expects int64 class indices (", out.size(0), "), got ",
              dtype_name(target.dtype()), " ", shape_str(target.shape()));
  const int64_t n = out.size(0), c = out.size(1);
  std::vector<double> rows(static_cast<size_t>(n * c), 0.0);
  const std::vector<int64_t> t = target.to_vector<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    NABLA_CHECK(t[i] >= 0 && t[i] < c, loss, "target ", t[i], " of sample ", i,
                " is not a class index in [0, ", c, ")");
    rows[i * c + t[i]] = 1.0;
  }
  return Tensor::from_vector(rows, {n, c}).to(out.dtype());
}

train::LossFn cross_entropy_loss(const io::Config& l) {
  nn::CrossEntropyLossOptions o;
  o.label_smoothing = l.get_double("label_smoothing", 0.0);
  nn::CrossEntropyLoss ce(o);
  return [ce](const Tensor& out, const Tensor& target) { return ce(out, target); };
}

// log_softmax is idempotent, so this is also right for a model that already ends in one.
train::LossFn nll(const io::Config&) {
  return [nll = nn::NLLLoss()](const Tensor& out, const Tensor& target) {
    return nll(log_softmax(out, 1), target);
  };
}

train::LossFn bce_with_logits(const io::Config&) {
  return [bce = nn::BCEWithLogitsLoss()](const Tensor& out, const Tensor& target) {
    return bce(out, one_hot_like(out, target, "bce_with_logits"));
  };
}

train::LossFn mse(const io::Config&) {
  return [mse = nn::MSELoss()](const Tensor& out, const Tensor& target) {
    return mse(softmax(out, 1), one_hot_like(out, target, "mse"));
  };
}

}  // namespace

Registry<LossBuilder>& losses() {
  static Registry<LossBuilder> table(
      "loss", "loss.name",
      {
          {"cross_entropy", cross_entropy_loss,
           "softmax + negative log-likelihood of the true class, fused and stable (keys: "
           "label_smoothing = 0)"},
          {"nll", nll,
           "negative log-likelihood of log_softmax(output): the maximum-likelihood view; equals "
           "cross_entropy without smoothing"},
          {"bce_with_logits", bce_with_logits,
           "one sigmoid + binary cross-entropy per class against one-hot targets (one-vs-rest)"},
          {"mse", mse,
           "mean squared error of softmax(output) against one-hot targets (the Brier score / C)"},
      });
  return table;
}

train::LossFn loss_from_config(const io::Config& l) {
  return losses().builder(l.get_string("name", "cross_entropy"))(l);
}

}  // namespace nabla::recipe
