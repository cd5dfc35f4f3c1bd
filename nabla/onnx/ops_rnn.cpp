// LSTM, GRU and RNN on nn::lstm_layer / nn::gru_layer / nn::tanh_rnn_layer (differentiable, so an
// imported recurrent model can be fine-tuned). ONNX stores gates in another order than PyTorch
// (LSTM i, o, f, c; GRU z, r, h) and the two biases side by side: the weights are re-cut per
// direction here. Only the default activations run; any other is a clear unsupported error.
#include "nabla/nn/rnn.hpp"
#include "nabla/onnx/ops.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

using Outs = std::vector<Tensor>;

enum class Cell { Lstm, Gru, Rnn };

struct RnnSpec {
  Cell cell;
  bool lstm;
  int64_t gates;
  std::vector<std::string> activations;  // the defaults, per direction
  std::vector<int64_t> order;            // for each PyTorch gate, its ONNX chunk
};
const RnnSpec kLstm{Cell::Lstm, true, 4, {"Sigmoid", "Tanh", "Tanh"}, {0, 2, 3, 1}};  // iofc->ifgo
const RnnSpec kGru{Cell::Gru, false, 3, {"Sigmoid", "Tanh"}, {1, 0, 2}};  // z r h -> r z n
const RnnSpec kRnn{Cell::Rnn, false, 1, {"Tanh"}, {0}};

Tensor reorder(const Tensor& t, const RnnSpec& s) {
  const auto parts = chunk(t, s.gates, 0);
  std::vector<Tensor> v;
  for (int64_t i : s.order) v.push_back(parts[static_cast<size_t>(i)]);
  return cat(v, 0);
}

void check_attrs(const OpContext& c, const RnnSpec& s, int64_t dirs) {
  if (const auto* a = c.attr("activations")) {
    if (a->strings_size() != static_cast<int>(s.activations.size() * dirs))
      c.fail("expected " + std::to_string(s.activations.size() * dirs) + " activations, got " +
             std::to_string(a->strings_size()));
    for (int i = 0; i < a->strings_size(); ++i)
      if (a->strings(i) != s.activations[i % s.activations.size()])
        c.unsupported("activation '" + a->strings(i) + "' (only the defaults run)");
  }
  if (c.attr_int("input_forget", 0) != 0) c.unsupported("input_forget = 1");
  if (c.has("clip") && !(c.attr_float("clip", 0) > 0)) c.fail("clip must be > 0");
}

// Input i (W, R, B, P or an initial state) must be (dirs, rows[, cols]).
void check_shape(const OpContext& c, size_t i, const Shape& want) {
  if (c.input(i).shape() != want)
    c.fail("input " + std::to_string(i) + " must have shape " + shape_str(want) + ", got " +
           shape_str(c.input(i).shape()));
}

nn::RnnWeights dir_weights(const OpContext& c, const RnnSpec& s, int64_t d, int64_t in,
                           int64_t hidden, int64_t dirs) {
  const int64_t gh = s.gates * hidden;
  check_shape(c, 1, {dirs, gh, in});
  check_shape(c, 2, {dirs, gh, hidden});
  nn::RnnWeights w;
  w.w_ih = reorder(select(c.input(1), 0, d), s);
  w.w_hh = reorder(select(c.input(2), 0, d), s);
  if (c.has_input(3)) {
    check_shape(c, 3, {dirs, 2 * gh});
    const Tensor b = select(c.input(3), 0, d);
    w.b_ih = reorder(narrow(b, 0, 0, gh), s);
    w.b_hh = reorder(narrow(b, 0, gh, gh), s);
  }
  if (s.lstm && c.has_input(7)) {  // peepholes P: (dirs, 3H) as i, o, f
    check_shape(c, 7, {dirs, 3 * hidden});
    const Tensor p = select(c.input(7), 0, d);
    w.peep_i = narrow(p, 0, 0, hidden);
    w.peep_o = narrow(p, 0, hidden, hidden);
    w.peep_f = narrow(p, 0, 2 * hidden, hidden);
  }
  return w;
}

// An initial state (dirs, N, H), from (N, dirs, H) when layout = 1; undefined if absent.
Tensor initial_state(const OpContext& c, size_t i, bool batch_major, const Shape& want) {
  if (!c.has_input(i)) return Tensor();
  const Tensor t = batch_major ? transpose(c.input(i), 0, 1) : c.input(i);
  if (t.shape() != want)
    c.fail("input " + std::to_string(i) + " (initial state) must have shape " + shape_str(want) +
           " in time-major order, got " + shape_str(t.shape()));
  return t;
}

std::vector<int64_t> lengths(const OpContext& c, int64_t steps, int64_t batch) {
  if (!c.has_input(4)) return {};
  const Tensor& t = c.input(4);
  if (t.dim() != 1 || t.size(0) != batch || is_floating(t.dtype()))
    c.fail("sequence_lens must be " + std::to_string(batch) + " integers, got " +
           dtype_name(t.dtype()) + " " + shape_str(t.shape()));
  auto v = t.to_vector<int64_t>();
  for (int64_t n : v)
    if (n < 0 || n > steps)
      c.fail("sequence length " + std::to_string(n) + " is outside [0, " + std::to_string(steps) +
             "]");
  return v;
}

Outs rnn_op(const OpContext& c, const RnnSpec& s) {
  const std::string dir = c.attr_string("direction", "forward");
  if (dir != "forward" && dir != "reverse" && dir != "bidirectional")
    c.fail("unknown direction '" + dir + "'");
  const int64_t dirs = dir == "bidirectional" ? 2 : 1;
  check_attrs(c, s, dirs);
  const bool batch_major = c.attr_int("layout", 0) == 1;
  const Tensor x = batch_major ? transpose(c.input(0), 0, 1) : c.input(0);
  if (x.dim() != 3 || c.input(2).dim() != 3) c.fail("X and R must be 3-D");
  const int64_t hidden = c.input(2).size(2), batch = x.size(1);
  if (hidden < 1 || x.size(0) < 1 || batch < 1)
    c.fail("needs hidden size, sequence length and batch >= 1, got X " + shape_str(x.shape()) +
           " and R " + shape_str(c.input(2).shape()));
  if (c.attr_int("hidden_size", hidden) != hidden)
    c.fail("hidden_size " + std::to_string(c.attr_int("hidden_size", 0)) +
           " disagrees with R's shape " + shape_str(c.input(2).shape()));
  const Shape state{dirs, batch, hidden};
  const Tensor h0 = initial_state(c, 5, batch_major, state);
  const Tensor c0 = s.lstm ? initial_state(c, 6, batch_major, state) : Tensor();
  nn::RnnStepOptions so{.lengths = lengths(c, x.size(0), batch),
                        .clip = c.attr_float("clip", 0),
                        .linear_before_reset = c.attr_int("linear_before_reset", 0) != 0};
  std::vector<Tensor> ys, hs, cs;
  for (int64_t d = 0; d < dirs; ++d) {
    const auto w = dir_weights(c, s, d, x.size(2), hidden, dirs);
    so.reverse = dir == "reverse" || d == 1;
    const Tensor hd = h0.defined() ? select(h0, 0, d) : Tensor();
    const auto r = s.cell == Cell::Lstm
                       ? nn::lstm_layer(x, w, hd, c0.defined() ? select(c0, 0, d) : Tensor(), so)
                   : s.cell == Cell::Gru ? nn::gru_layer(x, w, hd, so)
                                         : nn::tanh_rnn_layer(x, w, hd, so);
    ys.push_back(r.output);
    hs.push_back(r.h);
    if (s.lstm) cs.push_back(r.c);
  }
  Tensor y = stack(ys, 1), yh = stack(hs, 0), yc = s.lstm ? stack(cs, 0) : Tensor();
  if (batch_major) {  // Y (N, T, dirs, H); Y_h, Y_c (N, dirs, H)
    y = permute(y, {2, 0, 1, 3});
    yh = transpose(yh, 0, 1);
    if (yc.defined()) yc = transpose(yc, 0, 1);
  }
  return s.lstm ? Outs{y, yh, yc} : Outs{y, yh};
}

}  // namespace

void add_rnn_ops(OpTable& t) {
  t["LSTM"] = [](const OpContext& c) { return rnn_op(c, kLstm); };
  t["GRU"] = [](const OpContext& c) { return rnn_op(c, kGru); };
  t["RNN"] = [](const OpContext& c) { return rnn_op(c, kRnn); };
}

}  // namespace nabla::onnx
