// The recurrences step by step with ops that record their backward, so gradients need no
// hand-written BPTT. The input projection of all steps is one matmul up front; the loop does
// only the hidden projection. Sequence lengths are masks: past an item's end its state is
// carried unchanged and its output is 0, as ONNX defines (and PyTorch's packed sequences).
#include "nabla/nn/rnn.hpp"

#include <cmath>
#include <functional>

#include "nabla/nn/init.hpp"
#include "nabla/ops/activation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/matmul.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla::nn {
namespace {

using State = std::vector<Tensor>;  // h, then c for an LSTM
using StepFn = std::function<State(const Tensor& xw_t, const State& s)>;

Tensor clipped(const Tensor& t, double clip) { return clip > 0 ? clamp(t, -clip, clip) : t; }

// (T, N, 1): 1 where step t < lengths[n]. Undefined when every item runs all T steps.
Tensor step_mask(int64_t steps, int64_t batch, const std::vector<int64_t>& lengths, DType dt) {
  if (lengths.empty()) return Tensor();
  NABLA_CHECK(static_cast<int64_t>(lengths.size()) == batch, "rnn", "expected ", batch,
              " sequence lengths (one per batch item), got ", lengths.size());
  bool full = true;
  std::vector<double> m(static_cast<size_t>(steps * batch));
  for (int64_t n = 0; n < batch; ++n) {
    NABLA_CHECK(lengths[n] >= 0 && lengths[n] <= steps, "rnn", "sequence length ", lengths[n],
                " of batch item ", n, " is outside [0, ", steps, "]");
    full = full && lengths[n] == steps;
    for (int64_t t = 0; t < steps; ++t) m[t * batch + n] = t < lengths[n] ? 1.0 : 0.0;
  }
  if (full) return Tensor();
  return to_dtype(Tensor::from_vector(m, {steps, batch, 1}), dt);
}

void check_layer(const Tensor& x, const RnnWeights& w, int64_t gates, const char* op) {
  NABLA_CHECK(x.defined() && x.dim() == 3 && x.size(0) > 0, op,
              "expected an input (T, N, I) with T >= 1, got ",
              x.defined() ? shape_str(x.shape()) : std::string("an undefined tensor"));
  NABLA_CHECK(w.w_ih.defined() && w.w_hh.defined() && w.w_ih.dim() == 2 && w.w_hh.dim() == 2 &&
                  w.w_hh.size(1) > 0 && w.w_hh.size(0) == gates * w.w_hh.size(1) &&
                  w.w_ih.size(0) == w.w_hh.size(0) && w.w_ih.size(1) == x.size(2),
              op, "weights w_ih ", w.w_ih.defined() ? shape_str(w.w_ih.shape()) : "undefined",
              " and w_hh ", w.w_hh.defined() ? shape_str(w.w_hh.shape()) : "undefined",
              " do not fit ", gates, " gates over an input of size ", x.size(2));
}

Tensor initial(const Tensor& t, int64_t batch, int64_t hidden, DType dt, const char* what) {
  if (!t.defined()) return Tensor::zeros({batch, hidden}, dt);
  NABLA_CHECK(t.dim() == 2 && t.size(0) == batch && t.size(1) == hidden, "rnn", "expected ", what,
              " of shape (", batch, ", ", hidden, "), got ", shape_str(t.shape()));
  return t;
}

// Runs `step` over the sequence (backwards when reverse) and gathers the outputs.
RnnResult run_steps(const Tensor& x, const RnnWeights& w, State state, const RnnStepOptions& o,
                    const StepFn& step) {
  const int64_t steps = x.size(0), batch = x.size(1);
  Tensor xw = reshape(linear(reshape(x, {steps * batch, x.size(2)}), w.w_ih, w.b_ih),
                      {steps, batch, w.w_ih.size(0)});
  const Tensor mask = step_mask(steps, batch, o.lengths, x.dtype());
  std::vector<Tensor> outs(static_cast<size_t>(steps));
  for (int64_t i = 0; i < steps; ++i) {
    const int64_t t = o.reverse ? steps - 1 - i : i;
    State next = step(select(xw, 0, t), state);
    if (mask.defined()) {
      const Tensor m = select(mask, 0, t);
      for (size_t j = 0; j < state.size(); ++j) state[j] = next[j] * m + state[j] * (1.0 - m);
      outs[t] = next[0] * m;
    } else {
      state = next;
      outs[t] = next[0];
    }
  }
  return {stack(outs, 0), state[0], state.size() > 1 ? state[1] : Tensor()};
}

}  // namespace

RnnResult lstm_layer(const Tensor& x, const RnnWeights& w, const Tensor& h0, const Tensor& c0,
                     const RnnStepOptions& o) {
  check_layer(x, w, 4, "lstm");
  const int64_t hidden = w.w_hh.size(1), batch = x.size(1);
  State s{initial(h0, batch, hidden, x.dtype(), "initial h"),
          initial(c0, batch, hidden, x.dtype(), "initial c")};
  return run_steps(x, w, s, o, [&](const Tensor& xw, const State& st) {
    const Tensor &h = st[0], &c = st[1];
    auto g = chunk(xw + linear(h, w.w_hh, w.b_hh), 4, 1);  // i, f, g, o
    if (w.peep_i.defined()) g[0] = g[0] + w.peep_i * c;
    if (w.peep_f.defined()) g[1] = g[1] + w.peep_f * c;
    const Tensor in = sigmoid(clipped(g[0], o.clip)), forget = sigmoid(clipped(g[1], o.clip));
    const Tensor cell = forget * c + in * tanh(clipped(g[2], o.clip));
    if (w.peep_o.defined()) g[3] = g[3] + w.peep_o * cell;
    return State{sigmoid(clipped(g[3], o.clip)) * tanh(cell), cell};
  });
}

RnnResult gru_layer(const Tensor& x, const RnnWeights& w, const Tensor& h0,
                    const RnnStepOptions& o) {
  check_layer(x, w, 3, "gru");
  const int64_t hidden = w.w_hh.size(1), batch = x.size(1);
  State s{initial(h0, batch, hidden, x.dtype(), "initial h")};
  // the hidden weights of r, z and n apart, for linear_before_reset = false
  const auto wh = chunk(w.w_hh, 3, 0);
  const auto bh = w.b_hh.defined() ? chunk(w.b_hh, 3, 0) : std::vector<Tensor>(3);
  return run_steps(x, w, s, o, [&](const Tensor& xw, const State& st) {
    const Tensor& h = st[0];
    auto xg = chunk(xw, 3, 1);  // r, z, n
    Tensor r, z, n;
    if (o.linear_before_reset) {
      auto hg = chunk(linear(h, w.w_hh, w.b_hh), 3, 1);
      r = sigmoid(clipped(xg[0] + hg[0], o.clip));
      z = sigmoid(clipped(xg[1] + hg[1], o.clip));
      n = tanh(clipped(xg[2] + r * hg[2], o.clip));
    } else {
      r = sigmoid(clipped(xg[0] + linear(h, wh[0], bh[0]), o.clip));
      z = sigmoid(clipped(xg[1] + linear(h, wh[1], bh[1]), o.clip));
      n = tanh(clipped(xg[2] + linear(r * h, wh[2], bh[2]), o.clip));
    }
    return State{(1.0 - z) * n + z * h};
  });
}

RnnResult tanh_rnn_layer(const Tensor& x, const RnnWeights& w, const Tensor& h0,
                         const RnnStepOptions& o) {
  check_layer(x, w, 1, "rnn");
  State s{initial(h0, x.size(1), w.w_hh.size(1), x.dtype(), "initial h")};
  return run_steps(x, w, s, o, [&](const Tensor& xw, const State& st) {
    return State{tanh(clipped(xw + linear(st[0], w.w_hh, w.b_hh), o.clip))};
  });
}

RecurrentBase::RecurrentBase(int64_t input_size, int64_t hidden_size, RnnOptions options,
                             int64_t gates, bool lstm)
    : input_(input_size), hidden_(hidden_size), options_(options), lstm_(lstm) {
  NABLA_CHECK(input_size > 0 && hidden_size > 0 && options.num_layers > 0, lstm ? "LSTM" : "GRU",
              "input_size, hidden_size and num_layers must be positive, got ", input_size, ", ",
              hidden_size, " and ", options.num_layers);
  const int64_t dirs = options.bidirectional ? 2 : 1;
  for (int64_t l = 0; l < options.num_layers; ++l)
    for (int64_t d = 0; d < dirs; ++d) {
      const std::string sfx = "_l" + std::to_string(l) + (d == 1 ? "_reverse" : "");
      const int64_t in = l == 0 ? input_size : hidden_size * dirs;
      RnnWeights w;
      w.w_ih = register_parameter("weight_ih" + sfx, Tensor::empty({gates * hidden_size, in}));
      w.w_hh =
          register_parameter("weight_hh" + sfx, Tensor::empty({gates * hidden_size, hidden_size}));
      if (options.bias) {
        w.b_ih = register_parameter("bias_ih" + sfx, Tensor::empty({gates * hidden_size}));
        w.b_hh = register_parameter("bias_hh" + sfx, Tensor::empty({gates * hidden_size}));
      }
      weights_.push_back(w);
    }
  reset_parameters();
}

void RecurrentBase::reset_parameters(Generator* gen) {
  // torch.nn.RNNBase.reset_parameters: every weight and bias U(-1/sqrt(H), 1/sqrt(H))
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_));
  for (auto& [name, p] : named_parameters()) init::uniform_(p, -bound, bound, gen);
}

RnnResult RecurrentBase::forward_state(const Tensor& x, const Tensor& h0, const Tensor& c0) {
  const char* op = lstm_ ? "LSTM" : "GRU";
  NABLA_CHECK(x.defined() && x.dim() == 3 && x.size(2) == input_, op, "expected a 3-D input with ",
              input_, " features (", options_.batch_first ? "N, T" : "T, N", ", ", input_,
              "), got ", x.defined() ? shape_str(x.shape()) : "an undefined tensor");
  NABLA_CHECK(lstm_ || !c0.defined(), op, "a GRU has no cell state; pass no c0");
  const int64_t dirs = options_.bidirectional ? 2 : 1, states = options_.num_layers * dirs;
  Tensor layer_in = options_.batch_first ? transpose(x, 0, 1) : x;
  const Shape state_shape{states, layer_in.size(1), hidden_};
  for (const Tensor* t : {&h0, &c0})
    NABLA_CHECK(!t->defined() || t->shape() == state_shape, op, "expected initial states of shape ",
                shape_str(state_shape), ", got ", shape_str(t->shape()));
  std::vector<Tensor> hs, cs;
  for (int64_t l = 0; l < options_.num_layers; ++l) {
    std::vector<Tensor> outs;
    for (int64_t d = 0; d < dirs; ++d) {
      const int64_t k = l * dirs + d;
      const Tensor h = h0.defined() ? select(h0, 0, k) : Tensor();
      const RnnStepOptions so{.reverse = d == 1};
      RnnResult r = lstm_ ? lstm_layer(layer_in, weights_[k], h,
                                       c0.defined() ? select(c0, 0, k) : Tensor(), so)
                          : gru_layer(layer_in, weights_[k], h, so);
      outs.push_back(r.output);
      hs.push_back(r.h);
      if (lstm_) cs.push_back(r.c);
    }
    layer_in = dirs == 2 ? cat(outs, 2) : outs[0];
  }
  return {options_.batch_first ? transpose(layer_in, 0, 1) : layer_in, stack(hs, 0),
          lstm_ ? stack(cs, 0) : Tensor()};
}

std::string RecurrentBase::extra_repr() const {
  return std::to_string(input_) + ", " + std::to_string(hidden_) +
         ", num_layers=" + std::to_string(options_.num_layers) +
         ", bias=" + (options_.bias ? "true" : "false") +
         ", batch_first=" + (options_.batch_first ? "true" : "false") +
         ", bidirectional=" + (options_.bidirectional ? "true" : "false");
}

}  // namespace nabla::nn
