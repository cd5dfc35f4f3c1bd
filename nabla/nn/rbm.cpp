#include "nabla/nn/rbm.hpp"

#include <iomanip>
#include <numeric>
#include <ostream>

#include "nabla/autograd/node.hpp"
#include "nabla/nn/linear.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/matmul.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla::nn {

void RbmOptions::validate(const char* op) const {
  NABLA_CHECK(k >= 1, op, "expected k >= 1 Gibbs steps, got ", k);
  NABLA_CHECK(lr > 0, op, "expected lr > 0, got ", lr);
  NABLA_CHECK(momentum >= 0 && momentum < 1, op, "expected momentum in [0, 1), got ", momentum);
  NABLA_CHECK(weight_decay >= 0, op, "expected weight_decay >= 0, got ", weight_decay);
  NABLA_CHECK(batch_size >= 1, op, "expected batch_size >= 1, got ", batch_size);
  NABLA_CHECK(init_std >= 0, op, "expected init_std >= 0, got ", init_std);
}

Rbm::Rbm(int64_t n_visible, int64_t n_hidden, RbmOptions options, DType dtype)
    : options_(options), gen_(options.seed) {
  options_.validate("Rbm");
  NABLA_CHECK(n_visible >= 1 && n_hidden >= 1, "Rbm", "expected positive layer sizes, got ",
              n_visible, " visible and ", n_hidden, " hidden units");
  NABLA_CHECK(is_floating(dtype), "Rbm", "expected a floating dtype, got ", dtype_name(dtype));
  weight_ = Tensor::randn({n_hidden, n_visible}, dtype, &gen_).mul_(options_.init_std);
  vbias_ = Tensor::zeros({n_visible}, dtype);
  hbias_ = Tensor::zeros({n_hidden}, dtype);
  vel_w_ = Tensor::zeros(weight_.shape(), dtype);
  vel_vb_ = Tensor::zeros({n_visible}, dtype);
  vel_hb_ = Tensor::zeros({n_hidden}, dtype);
}

Tensor Rbm::checked_data(const Tensor& data, const char* op) const {
  NABLA_CHECK(data.defined() && data.dim() == 2 && data.size(1) == n_visible(), op,
              "expected data of shape (N, ", n_visible(), "), got ",
              data.defined() ? shape_str(data.shape()) : std::string("an undefined tensor"));
  NABLA_CHECK(is_floating(data.dtype()), op, "expected floating data in [0, 1], got ",
              dtype_name(data.dtype()));
  Tensor d = data.detach();
  return d.dtype() == weight_.dtype() ? d : d.to(weight_.dtype());
}

Tensor Rbm::hidden_probs(const Tensor& v) const {
  autograd::NoGradGuard ng;
  return sigmoid(linear(v, weight_, hbias_));  // v W^T + c
}

Tensor Rbm::visible_probs(const Tensor& h) const {
  autograd::NoGradGuard ng;
  return sigmoid(matmul(h, weight_) + vbias_);  // h W + b
}

Tensor Rbm::sample(const Tensor& probs) {
  autograd::NoGradGuard ng;
  return lt(Tensor::rand(probs.shape(), probs.dtype(), &gen_), probs);  // 1 with probability p
}

double Rbm::contrastive_divergence(const Tensor& batch) {
  autograd::NoGradGuard ng;
  Tensor v0 = checked_data(batch, "Rbm::contrastive_divergence");
  const double B = static_cast<double>(v0.size(0));
  Tensor ph0 = hidden_probs(v0);
  Tensor h = sample(ph0);
  Tensor vk, phk;
  double recon = 0;
  for (int64_t step = 1; step <= options_.k; ++step) {
    vk = visible_probs(h);
    if (step == 1) {
      Tensor d = v0 - vk;
      recon = mean(d * d).item();
    }
    phk = hidden_probs(vk);
    if (step < options_.k) h = sample(phk);
  }
  // positive minus negative phase statistics, averaged over the batch
  Tensor grad_w = (matmul(ph0.t(), v0) - matmul(phk.t(), vk)) / B;
  if (options_.weight_decay > 0) grad_w = grad_w - weight_ * options_.weight_decay;
  Tensor grad_vb = mean(v0 - vk, {0});
  Tensor grad_hb = mean(ph0 - phk, {0});
  const double m = options_.momentum, lr = options_.lr;
  vel_w_.mul_(m).add_(grad_w, lr);
  vel_vb_.mul_(m).add_(grad_vb, lr);
  vel_hb_.mul_(m).add_(grad_hb, lr);
  weight_.add_(vel_w_);
  vbias_.add_(vel_vb_);
  hbias_.add_(vel_hb_);
  return recon;
}

double Rbm::train_epoch(const Tensor& data) {
  autograd::NoGradGuard ng;
  Tensor d = checked_data(data, "Rbm::train_epoch");
  const int64_t n = d.size(0);
  NABLA_CHECK(n > 0, "Rbm::train_epoch", "expected at least one sample, got none");
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (options_.shuffle)
    for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[gen_.below(i + 1)]);
  double err_sum = 0;
  int64_t batches = 0;
  for (int64_t s = 0; s < n; s += options_.batch_size) {
    const int64_t e = std::min(n, s + options_.batch_size);
    Tensor idx =
        Tensor::from_vector(std::vector<int64_t>(order.begin() + s, order.begin() + e), {e - s});
    err_sum += contrastive_divergence(index_select(d, 0, idx));
    ++batches;
  }
  return err_sum / static_cast<double>(batches);
}

std::vector<double> Rbm::fit(const Tensor& data, int64_t epochs, std::ostream* log) {
  std::vector<double> out;
  for (int64_t e = 0; e < epochs; ++e) {
    out.push_back(train_epoch(data));
    errors_.push_back(out.back());
    if (log)
      *log << "  rbm " << n_visible() << "->" << n_hidden() << " epoch " << errors_.size()
           << "  reconstruction error " << std::fixed << std::setprecision(5) << out.back() << "\n"
           << std::defaultfloat;
  }
  return out;
}

double Rbm::reconstruction_error(const Tensor& data) const {
  autograd::NoGradGuard ng;
  Tensor v = checked_data(data, "Rbm::reconstruction_error");
  Tensor d = v - visible_probs(hidden_probs(v));
  return mean(d * d).item();
}

std::vector<PretrainedLayer> pretrain_stack(const Tensor& data,
                                            const std::vector<int64_t>& layer_sizes, int64_t epochs,
                                            const RbmOptions& options, std::ostream* log) {
  const char* op = "pretrain_stack";
  NABLA_CHECK(layer_sizes.size() >= 2, op,
              "expected layer_sizes {in, h1, ...} with at least 2 sizes, got ", layer_sizes.size());
  NABLA_CHECK(data.defined() && data.dim() == 2 && data.size(1) == layer_sizes[0], op,
              "expected data of shape (N, ", layer_sizes[0], ") to match layer_sizes[0], got ",
              data.defined() ? shape_str(data.shape()) : std::string("an undefined tensor"));
  NABLA_CHECK(epochs >= 0, op, "expected epochs >= 0, got ", epochs);
  autograd::NoGradGuard ng;
  const DType dt = is_floating(data.dtype()) ? data.dtype() : DType::Float32;
  std::vector<PretrainedLayer> out;
  Tensor x = data.detach();
  for (size_t i = 0; i + 1 < layer_sizes.size(); ++i) {
    RbmOptions o = options;
    o.seed = options.seed + i;
    Rbm rbm(layer_sizes[i], layer_sizes[i + 1], o, dt);
    rbm.fit(x, epochs, log);
    out.push_back({rbm.weight(), rbm.hidden_bias(), rbm.visible_bias(), rbm.errors()});
    // the next RBM sees this layer's mean-field activations, as the network will
    if (i + 2 < layer_sizes.size()) x = rbm.hidden_probs(x.to(dt));
  }
  return out;
}

int64_t load_pretrained(nn::Module& net, const std::vector<PretrainedLayer>& layers) {
  const char* op = "load_pretrained";
  std::vector<nn::Linear*> linears;
  if (auto* self = dynamic_cast<nn::Linear*>(&net)) linears.push_back(self);
  for (auto& [name, m] : net.named_modules())
    if (auto* l = dynamic_cast<nn::Linear*>(m.get())) linears.push_back(l);
  NABLA_CHECK(linears.size() >= layers.size(), op, "the network has ", linears.size(),
              " Linear layers, fewer than the ", layers.size(), " pre-trained layers");
  autograd::NoGradGuard ng;
  for (size_t i = 0; i < layers.size(); ++i) {
    nn::Linear& l = *linears[i];
    NABLA_CHECK(l.weight.shape() == layers[i].weight.shape(), op, "Linear layer ", i,
                " has weight ", shape_str(l.weight.shape()), " but pre-trained layer ", i, " has ",
                shape_str(layers[i].weight.shape()));
    l.weight.copy_(layers[i].weight);
    if (l.bias.defined()) l.bias.copy_(layers[i].bias);
  }
  return static_cast<int64_t>(layers.size());
}

}  // namespace nabla::nn
