// Restricted Boltzmann machine pre-training (notes section 7, "weight initialization": RBM
// layer-wise pre-training, then fine-tuning by backprop; Hinton & Salakhutdinov 2006).
//
// A Bernoulli-Bernoulli RBM has visible units v (V), hidden units h (H), weights W (H, V),
// visible bias b (V) and hidden bias c (H), with
//   p(h = 1 | v) = sigmoid(v W^T + c),    p(v = 1 | h) = sigmoid(h W + b).
// W has nn::Linear's (out, in) layout, so a trained RBM's (W, c) initialise Linear(V, H) as is.
//
// Training is contrastive divergence CD-k on mini-batches:
//   h0 ~ p(h | v0); k Gibbs steps v_i = p(v | h_{i-1}) (probabilities, Hinton's practical guide),
//   h_i ~ p(h | v_i) (sampled, except the last step uses probabilities);
//   dW = <p(h|v0) v0^T> - <p(h|vk) vk^T>, db = <v0 - vk>, dc = <p(h|v0) - p(h|vk)>
// with momentum and optional L2 weight decay. All randomness (initial weights, shuffling, Gibbs
// samples) comes from the RBM's own Generator seeded by options.seed, so a run is reproducible.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <vector>

#include "nabla/core/random.hpp"
#include "nabla/core/tensor.hpp"

namespace nabla::nn {

class Module;
class Sequential;

struct RbmOptions {
  int64_t k = 1;  // Gibbs steps per update (CD-k)
  double lr = 0.1;
  double momentum = 0.5;    // 0 = plain CD
  double weight_decay = 0;  // L2 penalty on W
  int64_t batch_size = 32;
  bool shuffle = true;
  uint64_t seed = 0;       // weights, shuffling and Gibbs sampling
  double init_std = 0.01;  // W ~ N(0, init_std^2); biases start at 0

  void validate(const char* op) const;
};

class Rbm {
 public:
  // Parameters in `dtype` (float32 or float64); data given to the RBM is converted to it.
  Rbm(int64_t n_visible, int64_t n_hidden, RbmOptions options = {}, DType dtype = DType::Float32);

  // v (B, V) -> p(h = 1 | v) (B, H)
  Tensor hidden_probs(const Tensor& v) const;
  // h (B, H) -> p(v = 1 | h) (B, V)
  Tensor visible_probs(const Tensor& h) const;
  // 0/1 samples with P(1) = probs, from the RBM's generator.
  Tensor sample(const Tensor& probs);

  // One CD-k update on batch (B, V) of values in [0, 1]. Returns the batch's reconstruction
  // error before the update: mean of (v0 - p(v | h0))^2 with h0 sampled.
  double contrastive_divergence(const Tensor& batch);
  // One pass over data (N, V) in (shuffled) mini-batches; returns the mean of the batch errors.
  double train_epoch(const Tensor& data);
  // `epochs` passes; returns each epoch's reconstruction error (also kept in errors()). If `log`
  // is given, prints one line per epoch.
  std::vector<double> fit(const Tensor& data, int64_t epochs, std::ostream* log = nullptr);

  // Deterministic (mean-field) reconstruction error of data: mean (v - p(v | p(h | v)))^2.
  double reconstruction_error(const Tensor& data) const;

  int64_t n_visible() const { return weight_.size(1); }
  int64_t n_hidden() const { return weight_.size(0); }
  const Tensor& weight() const { return weight_; }       // (H, V)
  const Tensor& visible_bias() const { return vbias_; }  // (V)
  const Tensor& hidden_bias() const { return hbias_; }   // (H)
  const std::vector<double>& errors() const { return errors_; }
  const RbmOptions& options() const { return options_; }

 private:
  Tensor checked_data(const Tensor& data, const char* op) const;

  RbmOptions options_;
  Generator gen_;
  Tensor weight_, vbias_, hbias_;
  Tensor vel_w_, vel_vb_, vel_hb_;  // momentum buffers
  std::vector<double> errors_;
};

// One trained layer of a stack, ready for nn::Linear(in, out): weight (out, in), bias (out).
struct PretrainedLayer {
  Tensor weight;               // (out, in) = the RBM's W
  Tensor bias;                 // (out) = the RBM's hidden bias
  Tensor visible_bias;         // (in), kept for reconstructions
  std::vector<double> errors;  // reconstruction error per epoch
};

// Greedy layer-wise pre-training: layer_sizes = {in, h1, h2, ...} with in = data.size(1);
// RBM i learns on the hidden probabilities of RBM i-1 for the whole data set. Layer i is
// seeded with options.seed + i. data: (N, in) values in [0, 1] (binary or probabilities).
std::vector<PretrainedLayer> pretrain_stack(const Tensor& data,
                                            const std::vector<int64_t>& layer_sizes, int64_t epochs,
                                            const RbmOptions& options = {},
                                            std::ostream* log = nullptr);

// Copies layers[i] into the i-th nn::Linear found in `net` (depth-first order), checking shapes.
// Later Linear layers (e.g. the classifier head) keep their own initialisation.
// Returns how many layers were copied.
int64_t load_pretrained(nn::Module& net, const std::vector<PretrainedLayer>& layers);

}  // namespace nabla::nn
