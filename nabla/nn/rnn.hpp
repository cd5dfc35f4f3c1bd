// LSTM and GRU, composed of differentiable ops (linear, sigmoid, tanh, ...) so autograd runs
// through them. Two levels: one direction of one layer over a whole sequence (lstm_layer,
// gru_layer; also what the ONNX LSTM/GRU ops run, with their sequence lengths, clip and
// peepholes), and the torch.nn.LSTM / torch.nn.GRU modules (stacked, batch_first,
// bidirectional, PyTorch's parameter names and init).
#pragma once
#include <cstdint>
#include <vector>

#include "nabla/nn/module.hpp"

namespace nabla::nn {

// Weights of one direction in PyTorch's gate order: LSTM (i, f, g, o), GRU (r, z, n), plain
// tanh RNN one block.
// w_ih (G*H, I), w_hh (G*H, H), biases (G*H) or undefined.
struct RnnWeights {
  Tensor w_ih, w_hh, b_ih, b_hh;
  Tensor peep_i{}, peep_f{}, peep_o{};  // LSTM peepholes (H) or undefined (ONNX's P input)
};

struct RnnStepOptions {
  bool reverse = false;             // run from the last valid step back to the first
  std::vector<int64_t> lengths{};   // valid steps per batch item; empty: all T
  double clip = 0;                  // > 0: gate pre-activations clamped to [-clip, clip] (ONNX)
  bool linear_before_reset = true;  // GRU: r * (W_hn h + b_hn) (PyTorch) or W_hn (r * h)
};

// outputs (T, N, H), zero at steps past an item's length; h (and c for LSTM): (N, H), the
// state after each item's last valid step.
struct RnnResult {
  Tensor output, h, c;
};

// x (T, N, I); h0, c0 (N, H) or undefined for zeros.
RnnResult lstm_layer(const Tensor& x, const RnnWeights& w, const Tensor& h0, const Tensor& c0,
                     const RnnStepOptions& options = {});
RnnResult gru_layer(const Tensor& x, const RnnWeights& w, const Tensor& h0,
                    const RnnStepOptions& options = {});
// Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (torch.nn.RNN's default, ONNX RNN's).
RnnResult tanh_rnn_layer(const Tensor& x, const RnnWeights& w, const Tensor& h0,
                         const RnnStepOptions& options = {});

struct RnnOptions {
  int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;  // x and output (N, T, *) instead of (T, N, *)
  bool bidirectional = false;
};

// torch.nn.LSTM / torch.nn.GRU: parameters weight_ih_l{k}[_reverse], weight_hh_l{k}..,
// bias_ih_l{k}.., bias_hh_l{k}.., all initialised U(-1/sqrt(H), 1/sqrt(H)).
// forward_state: x (T, N, I) (or (N, T, I) batch_first); h0, c0 (layers * directions, N, H) or
// undefined for zeros. Returns output (T, N, directions * H) (batch_first: (N, T, ...)) and
// the final h and c (layers * directions, N, H); c is undefined for a GRU.
class RecurrentBase : public Module {
 public:
  RnnResult forward_state(const Tensor& x, const Tensor& h0 = Tensor(),
                          const Tensor& c0 = Tensor());
  Tensor forward(const Tensor& x) override { return forward_state(x).output; }
  std::string extra_repr() const override;
  void reset_parameters(Generator* gen = nullptr);
  int64_t input_size() const { return input_; }
  int64_t hidden_size() const { return hidden_; }
  const RnnOptions& options() const { return options_; }

 protected:
  RecurrentBase(int64_t input_size, int64_t hidden_size, RnnOptions options, int64_t gates,
                bool lstm);

 private:
  int64_t input_, hidden_;
  RnnOptions options_;
  bool lstm_;
  std::vector<RnnWeights> weights_;  // layer * directions + direction
};

class LSTM : public RecurrentBase {
 public:
  LSTM(int64_t input_size, int64_t hidden_size, RnnOptions options = {})
      : RecurrentBase(input_size, hidden_size, options, 4, true) {}
  std::string type_name() const override { return "LSTM"; }
};

class GRU : public RecurrentBase {
 public:
  GRU(int64_t input_size, int64_t hidden_size, RnnOptions options = {})
      : RecurrentBase(input_size, hidden_size, options, 3, false) {}
  std::string type_name() const override { return "GRU"; }
};

}  // namespace nabla::nn
