// The four claims of the notes (sections 6 and 7) as small experiments that return numbers.
// examples/notes_claims.cpp runs them on Fashion-MNIST and prints the numbers;
// tests/train/test_notes_claims.cpp runs them on small synthetic data and asserts the claims.
//   (a) zero initialisation never breaks the symmetry between hidden units; He init does;
//   (b) gradients vanish toward the input of a deep sigmoid net, not of a He-initialised ReLU net;
//   (c) at a high learning rate ReLU units die (never fire again) more than LeakyReLU units;
//   (d) dropout and batch norm act differently in train and eval mode.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numeric>
#include <vector>

#include "nabla/autograd/node.hpp"
#include "nabla/nn/activation.hpp"
#include "nabla/nn/container.hpp"
#include "nabla/nn/dropout.hpp"
#include "nabla/nn/init.hpp"
#include "nabla/nn/linear.hpp"
#include "nabla/nn/loss.hpp"
#include "nabla/nn/normalization.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"
#include "nabla/optim/adam.hpp"
#include "nabla/optim/sgd.hpp"
#include "nabla/train/evaluate.hpp"

namespace notes {

using namespace nabla;

// Classification data: x (N, features) float32, y (N) int64.
struct Split {
  Tensor x, y;
};
struct Data {
  Split train, test;
  int64_t num_classes = 0;
};

enum class Act { Sigmoid, Tanh, ReLU, LeakyReLU };

inline std::shared_ptr<nn::Module> make_act(Act a, double slope = 0.01) {
  switch (a) {
    case Act::Sigmoid:
      return std::make_shared<nn::Sigmoid>();
    case Act::Tanh:
      return std::make_shared<nn::Tanh>();
    case Act::ReLU:
      return std::make_shared<nn::ReLU>();
    case Act::LeakyReLU:
      return std::make_shared<nn::LeakyReLU>(slope);
  }
  return nullptr;
}

// in -> hidden[0] -> ... -> classes, `act` after every hidden Linear.
inline nn::Sequential make_mlp(int64_t in, const std::vector<int64_t>& hidden, int64_t classes,
                               Act act, double slope = 0.01) {
  nn::Sequential net;
  int64_t prev = in;
  for (int64_t h : hidden) {
    net.push_back(std::make_shared<nn::Linear>(prev, h));
    net.push_back(make_act(act, slope));
    prev = h;
  }
  net.push_back(std::make_shared<nn::Linear>(prev, classes));
  return net;
}

inline std::vector<nn::Linear*> linears(nn::Sequential& net) {
  std::vector<nn::Linear*> out;
  for (size_t i = 0; i < net.size(); ++i)
    if (auto* l = dynamic_cast<nn::Linear*>(&net[i])) out.push_back(l);
  return out;
}

enum class Init { Zero, He, Xavier, Default };

inline void init_net(nn::Sequential& net, Init init, Act act, Generator& gen) {
  for (nn::Linear* l : linears(net)) {
    switch (init) {
      case Init::Zero:
        nn::init::zeros_(l->weight);
        break;
      case Init::He:
        nn::init::kaiming_normal_(l->weight, 0, nn::init::FanMode::FanIn,
                                  nn::init::Nonlinearity::ReLU, &gen);
        break;
      case Init::Xavier:
        nn::init::xavier_normal_(
            l->weight,
            nn::init::calculate_gain(act == Act::Tanh ? nn::init::Nonlinearity::Tanh
                                                      : nn::init::Nonlinearity::Sigmoid),
            &gen);
        break;
      case Init::Default:
        l->reset_parameters(&gen);
        continue;
    }
    nn::init::zeros_(l->bias);
  }
}

// Mini-batch training with cross-entropy; the batch order comes from `seed`.
inline void fit(nn::Sequential& net, optim::Optimizer& opt, const Split& d, int64_t epochs,
                int64_t batch, uint64_t seed) {
  Generator gen(seed);
  nn::CrossEntropyLoss loss;
  const int64_t n = d.x.size(0);
  std::vector<int64_t> order(n);
  net.train();
  for (int64_t e = 0; e < epochs; ++e) {
    std::iota(order.begin(), order.end(), 0);
    for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[gen.below(i + 1)]);
    for (int64_t s = 0; s < n; s += batch) {
      const int64_t end = std::min(n, s + batch);
      Tensor idx = Tensor::from_vector(std::vector<int64_t>(order.begin() + s, order.begin() + end),
                                       {end - s});
      opt.zero_grad();
      Tensor l = loss(net(index_select(d.x, 0, idx)), index_select(d.y, 0, idx));
      l.backward();
      opt.step();
    }
  }
}

inline double accuracy(nn::Sequential& net, const Split& d) {
  autograd::NoGradGuard ng;
  const bool was = net.is_training();
  net.eval();
  const double acc = double(train::count_correct(net(d.x), d.y)) / double(d.x.size(0));
  net.train(was);
  return acc;
}

// ---- (a) symmetry -------------------------------------------------------------------------

struct SymmetryRun {
  double test_acc = 0;
  double row_spread = 0;  // max_i |W1[i] - W1[0]| / |W1[0]|: 0 when every hidden unit is the same
  double row_norm = 0;    // mean |W1[i]|: did the first layer move at all?
};

inline SymmetryRun symmetry_run(const Data& d, Act act, Init init, int64_t hidden, int64_t epochs,
                                int64_t batch, double lr, uint64_t seed) {
  Generator gen(seed);
  nn::Sequential net = make_mlp(d.train.x.size(1), {hidden}, d.num_classes, act);
  init_net(net, init, act, gen);
  optim::Adam opt(net.parameters(), {.lr = lr});
  fit(net, opt, d.train, epochs, batch, seed + 1);
  SymmetryRun r;
  r.test_acc = accuracy(net, d.test);
  Tensor w = linears(net)[0]->weight.detach();
  const int64_t rows = w.size(0);
  const double n0 = std::sqrt(sum(w.select(0, 0) * w.select(0, 0)).item());
  double norm_sum = 0;
  for (int64_t i = 0; i < rows; ++i) {
    Tensor diff = w.select(0, i) - w.select(0, 0);
    r.row_spread = std::max(r.row_spread, std::sqrt(sum(diff * diff).item()) / std::max(n0, 1e-30));
    norm_sum += std::sqrt(sum(w.select(0, i) * w.select(0, i)).item());
  }
  if (n0 == 0) r.row_spread = 0;  // all rows zero: identical
  r.row_norm = norm_sum / double(rows);
  return r;
}

// ---- (b) vanishing gradients ----------------------------------------------------------------

// |dL/dW| of each Linear layer, input side first, after one backward of the cross-entropy of a
// freshly initialised `depth`-layer net on (x, y).
inline std::vector<double> layer_grad_norms(const Split& d, int64_t num_classes, Act act, Init init,
                                            int64_t depth, int64_t width, uint64_t seed) {
  Generator gen(seed);
  nn::Sequential net =
      make_mlp(d.x.size(1), std::vector<int64_t>(depth - 1, width), num_classes, act);
  init_net(net, init, act, gen);
  nn::CrossEntropyLoss loss;
  loss(net(d.x), d.y).backward();
  std::vector<double> norms;
  for (nn::Linear* l : linears(net)) {
    Tensor g = l->weight.grad();
    norms.push_back(std::sqrt(sum(g * g).item()));
  }
  return norms;
}

// ---- (c) dying ReLU -------------------------------------------------------------------------

struct DeadUnits {
  int64_t silent = 0;  // hidden units whose pre-activation is <= 0 for every training sample
  int64_t dead =
      0;  // hidden units whose incoming weights get exactly zero gradient from every sample
  int64_t total = 0;  // hidden units
  double test_acc = 0;
  bool finite = true;  // false if training blew up (then the counts mean nothing)
};

// A silent ReLU unit outputs 0 with derivative 0 for every input, so its incoming weights get
// no gradient and nothing can revive it: it is dead. A silent LeakyReLU unit still passes
// slope * z and gets a gradient, so it can come back. Both counts are over the whole set `d`.
// "dead" backpropagates sum(logits) rather than the loss: a well-fitted sample has an exactly
// zero cross-entropy gradient in float32, which would count healthy units as dead.
inline DeadUnits count_dead(nn::Sequential& net, const Split& d) {
  DeadUnits r;
  auto ls = linears(net);
  {
    autograd::NoGradGuard ng;
    Tensor h = d.x;
    for (size_t i = 0; i + 1 < net.size(); ++i) {
      Tensor z = net[i](h);
      if (dynamic_cast<nn::Linear*>(&net[i]) != nullptr) {
        for (double v : max(z, 0).to_vector<double>()) r.silent += v <= 0;  // max over samples
        r.total += z.size(1);
      }
      h = z;
    }
  }
  net.zero_grad();
  Tensor out = net(d.x);
  r.finite = std::isfinite(sum(out).item());
  sum(out).backward();
  for (size_t k = 0; k + 1 < ls.size(); ++k) {
    Tensor g = ls[k]->weight.grad();
    Tensor row_norms = sum(g * g, {1});
    for (double v : row_norms.to_vector<double>()) r.dead += v == 0;
  }
  net.zero_grad();
  return r;
}

// The same initial weights (He) and batches for both activations; plain SGD at learning rate lr.
inline DeadUnits dying_run(const Data& d, Act act, double slope, const std::vector<int64_t>& hidden,
                           int64_t epochs, int64_t batch, double lr, uint64_t seed) {
  Generator gen(seed);
  nn::Sequential net = make_mlp(d.train.x.size(1), hidden, d.num_classes, act, slope);
  init_net(net, Init::He, act, gen);
  optim::SGD opt(net.parameters(), {.lr = lr});
  fit(net, opt, d.train, epochs, batch, seed + 1);
  DeadUnits r = count_dead(net, d.train);
  r.test_acc = accuracy(net, d.test);
  return r;
}

// ---- (d) train vs eval ----------------------------------------------------------------------

struct ModeDifferences {
  double dropout_train_repeat = 0;   // max |f(x) - f(x)| of two train-mode calls
  double dropout_eval_repeat = 0;    // same in eval mode
  double dropout_eval_vs_input = 0;  // eval-mode dropout is the identity
  double dropout_zero_fraction = 0;  // share of the non-zero inputs zeroed in train mode (about p)
  double bn_train_batch_effect =
      0;  // change of sample 0's output when the rest of its batch changes
  double bn_eval_batch_effect = 0;
  double bn_eval_vs_running = 0;  // eval output vs (x - running_mean) / sqrt(running_var + eps)
};

inline double max_abs_diff(const Tensor& a, const Tensor& b) { return max(abs(a - b)).item(); }

// x: (N, F) with N >= 4. The batch norm first sees a few train-mode batches so that its running
// statistics are not the initial (0, 1).
inline ModeDifferences mode_differences(const Tensor& x, double p, uint64_t seed) {
  autograd::NoGradGuard ng;
  ModeDifferences r;
  Generator gen(seed);
  nn::Dropout drop(p, &gen);
  drop.train();
  Tensor a = drop(x), b = drop(x);
  r.dropout_train_repeat = max_abs_diff(a, b);
  Tensor nonzero = ne(x, Tensor::zeros_like(x));
  r.dropout_zero_fraction =
      sum(eq(a, Tensor::zeros_like(a)) * nonzero).item() / sum(nonzero).item();
  drop.eval();
  r.dropout_eval_repeat = max_abs_diff(drop(x), drop(x));
  r.dropout_eval_vs_input = max_abs_diff(drop(x), x);

  const int64_t n = x.size(0), f = x.size(1);
  nn::BatchNorm1d bn(f);
  bn.train();
  for (int i = 0; i < 20; ++i) bn(x);
  const int64_t half = n / 2;
  Tensor batch1 = x.narrow(0, 0, half);
  // sample 0 with different companions: rows half..n-1 instead of 1..half-1
  Tensor batch2 = cat({x.narrow(0, 0, 1), x.narrow(0, half, n - half)}, 0);
  Tensor t1 = bn(batch1).select(0, 0), t2 = bn(batch2).select(0, 0);
  r.bn_train_batch_effect = max_abs_diff(t1, t2);
  bn.eval();
  Tensor e1 = bn(batch1).select(0, 0), e2 = bn(batch2).select(0, 0);
  r.bn_eval_batch_effect = max_abs_diff(e1, e2);
  Tensor expect =
      (x - bn.running_mean) / sqrt(bn.running_var + bn.options().eps) * bn.weight + bn.bias;
  r.bn_eval_vs_running = max_abs_diff(bn(x), expect);
  return r;
}

}  // namespace notes
