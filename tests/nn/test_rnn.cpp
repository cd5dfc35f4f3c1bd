// nn::LSTM and nn::GRU against torch.nn.LSTM / torch.nn.GRU (same weights through
// load_state_dict: outputs, final states, input and parameter gradients; make_rnn_fixtures.py),
// float64 gradchecks of lstm_layer / gru_layer with every option ONNX uses (peepholes, clip,
// reverse, sequence lengths, linear_before_reset = false), what sequence lengths mean, and errors.
#include <gtest/gtest.h>

#include "nabla/nn/rnn.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"
#include "tests/nn/nn_test_util.hpp"

namespace nabla {
namespace {

using test::all_close;

void check_case(const std::string& name, nn::RecurrentBase& m, bool lstm, bool with_state) {
  static const io::TensorMap f = test::load_fixture("nn_rnn");
  auto get = [&](const std::string& k) { return test::fixture_get(f, name + "." + k); };
  test::load_prefixed(m, f, name + ".p.");
  Tensor x = test::leaf(get("x"));
  const Tensor h0 = with_state ? get("h0") : Tensor();
  const Tensor c0 = with_state && lstm ? get("c0") : Tensor();
  const nn::RnnResult r = m.forward_state(x, h0, c0);
  ASSERT_TRUE(all_close(r.output, get("y"), 1e-4, 1e-5)) << name << " output";
  EXPECT_TRUE(all_close(r.h, get("hn"), 1e-4, 1e-5)) << name << " h_n";
  if (lstm) {
    EXPECT_TRUE(all_close(r.c, get("cn"), 1e-4, 1e-5)) << name << " c_n";
  }
  EXPECT_EQ(r.c.defined(), lstm) << name;
  (sum(r.output * get("gy")) + sum(r.h * get("ghn"))).backward();
  EXPECT_TRUE(all_close(x.grad(), get("dx"), 1e-4, 1e-5)) << name << " input grad";
  int grads = 0;
  for (auto& [pname, p] : m.named_parameters()) {
    EXPECT_TRUE(all_close(p.grad(), get("d." + pname), 1e-4, 1e-5)) << name << " grad of " << pname;
    ++grads;
  }
  EXPECT_GE(grads, 2) << name;
}

TEST(RnnTorch, Lstm) {
  nn::LSTM m(4, 5);
  EXPECT_EQ(m.parameters().size(), 4u);
  check_case("lstm", m, true, false);
}
TEST(RnnTorch, LstmStackedBatchFirstWithInitialStates) {
  nn::LSTM m(3, 4, {.num_layers = 2, .batch_first = true});
  check_case("lstm_stacked_bf", m, true, true);
}
TEST(RnnTorch, LstmBidirectionalStacked) {
  nn::LSTM m(3, 4, {.num_layers = 2, .bidirectional = true});
  EXPECT_EQ(m.parameters().size(), 16u);
  check_case("lstm_bidir", m, true, true);
}
TEST(RnnTorch, Gru) {
  nn::GRU m(4, 5);
  check_case("gru", m, false, false);
}
TEST(RnnTorch, GruStackedBatchFirstWithInitialState) {
  nn::GRU m(3, 4, {.num_layers = 2, .batch_first = true});
  check_case("gru_stacked_bf", m, false, true);
}
TEST(RnnTorch, GruBidirectionalWithoutBias) {
  nn::GRU m(3, 4, {.bias = false, .bidirectional = true});
  EXPECT_EQ(m.parameters().size(), 4u);
  check_case("gru_bidir_nobias", m, false, true);
}

// ---- the functional layers in float64 ---------------------------------------------------

struct Tiny {
  Tensor x, h0, c0;
  nn::RnnWeights w;
};

Tiny tiny(int64_t gates, bool peepholes, uint64_t seed) {
  Generator g(seed);
  auto r = [&](Shape s) {
    Tensor t = Tensor::randn(s, DType::Float64, &g) * 0.7;
    t.set_requires_grad(true);
    return t;
  };
  const int64_t steps = 4, batch = 2, in = 3, hidden = 2;
  Tiny t{r({steps, batch, in}), r({batch, hidden}), r({batch, hidden}), {}};
  t.w = {r({gates * hidden, in}), r({gates * hidden, hidden}), r({gates * hidden}),
         r({gates * hidden})};
  if (peepholes) t.w.peep_i = r({hidden}), t.w.peep_f = r({hidden}), t.w.peep_o = r({hidden});
  return t;
}

// every tensor of the case as a gradcheck input, and back
std::vector<Tensor> inputs(const Tiny& t) {
  std::vector<Tensor> v{t.x, t.h0, t.c0, t.w.w_ih, t.w.w_hh, t.w.b_ih, t.w.b_hh};
  for (const Tensor& p : {t.w.peep_i, t.w.peep_f, t.w.peep_o})
    if (p.defined()) v.push_back(p);
  return v;
}
nn::RnnWeights weights(const std::vector<Tensor>& in) {
  nn::RnnWeights w{in[3], in[4], in[5], in[6]};
  if (in.size() > 7) w.peep_i = in[7], w.peep_f = in[8], w.peep_o = in[9];
  return w;
}

// output, h and c all reach the checked value
Tensor all_of(const nn::RnnResult& r) {
  Tensor s = cat({flatten(r.output), flatten(r.h)}, 0);
  return r.c.defined() ? cat({s, flatten(r.c)}, 0) : s;
}

TEST(RnnGradcheck, LstmLayerWithPeepholesClipReverseAndLengths) {
  for (const nn::RnnStepOptions& o :
       {nn::RnnStepOptions{}, nn::RnnStepOptions{.reverse = true, .lengths = {4, 2}},
        nn::RnnStepOptions{.lengths = {3, 0}, .clip = 0.8}}) {
    const Tiny t = tiny(4, true, 11);
    EXPECT_GRADCHECK(
        [&](const std::vector<Tensor>& in) {
          return all_of(nn::lstm_layer(in[0], weights(in), in[1], in[2], o));
        },
        inputs(t))
        << "reverse " << o.reverse << " clip " << o.clip;
  }
}

TEST(RnnGradcheck, GruLayerBothResetForms) {
  for (bool before : {true, false})
    for (bool reverse : {false, true}) {
      const Tiny t = tiny(3, false, 12);
      const nn::RnnStepOptions o{
          .reverse = reverse, .lengths = {4, 3}, .linear_before_reset = before};
      EXPECT_GRADCHECK(
          [&](const std::vector<Tensor>& in) {
            return all_of(nn::gru_layer(in[0], weights(in), in[1], o));
          },
          inputs(t))
          << "linear_before_reset " << before << " reverse " << reverse;
    }
}

TEST(RnnGradcheck, TanhRnnLayerWithClipAndLengths) {
  for (bool reverse : {false, true}) {
    const Tiny t = tiny(1, false, 15);
    const nn::RnnStepOptions o{.reverse = reverse, .lengths = {2, 4}, .clip = 0.9};
    EXPECT_GRADCHECK(
        [&](const std::vector<Tensor>& in) {
          return all_of(nn::tanh_rnn_layer(in[0], weights(in), in[1], o));
        },
        inputs(t))
        << "reverse " << reverse;
  }
}

// An item of length L is the first L steps run alone: same outputs there, 0 after, same final
// state; backwards too (the reverse direction starts at step L - 1).
TEST(RnnLengths, AShortItemIsItsPrefixRunAlone) {
  for (bool reverse : {false, true}) {
    const Tiny t = tiny(4, false, 13);
    const auto both = nn::lstm_layer(t.x, t.w, t.h0, t.c0, {.reverse = reverse, .lengths = {4, 2}});
    const auto alone =
        nn::lstm_layer(narrow(narrow(t.x, 1, 1, 1), 0, 0, 2), t.w, narrow(t.h0, 0, 1, 1),
                       narrow(t.c0, 0, 1, 1), {.reverse = reverse});
    EXPECT_TRUE(
        all_close(narrow(narrow(both.output, 1, 1, 1), 0, 0, 2), alone.output, 1e-12, 1e-12));
    EXPECT_EQ(max(abs(narrow(narrow(both.output, 1, 1, 1), 0, 2, 2))).item(), 0.0);
    EXPECT_TRUE(all_close(narrow(both.h, 0, 1, 1), alone.h, 1e-12, 1e-12));
    EXPECT_TRUE(all_close(narrow(both.c, 0, 1, 1), alone.c, 1e-12, 1e-12));
    // the full-length item is unaffected by its neighbour's length
    const auto full = nn::lstm_layer(t.x, t.w, t.h0, t.c0, {.reverse = reverse});
    EXPECT_TRUE(
        all_close(narrow(both.output, 1, 0, 1), narrow(full.output, 1, 0, 1), 1e-12, 1e-12));
  }
}

TEST(Rnn, BadInputIsAnError) {
  nn::LSTM lstm(3, 4, {.num_layers = 2});
  nn::GRU gru(3, 4);
  EXPECT_THROW(lstm(Tensor::zeros({5, 2, 4})), Error);  // 4 features, 3 expected
  EXPECT_THROW(lstm(Tensor::zeros({5, 3})), Error);     // not 3-D
  EXPECT_THROW(lstm.forward_state(Tensor::zeros({5, 2, 3}), Tensor::zeros({1, 2, 4})), Error);
  EXPECT_THROW(gru.forward_state(Tensor::zeros({5, 2, 3}), Tensor(), Tensor::zeros({1, 2, 4})),
               Error);
  EXPECT_THROW(nn::LSTM(0, 4), Error);
  const Tiny t = tiny(4, false, 14);
  EXPECT_THROW(nn::lstm_layer(t.x, t.w, t.h0, t.c0, {.lengths = {5, 1}}), Error);
  EXPECT_THROW(nn::lstm_layer(t.x, t.w, t.h0, t.c0, {.lengths = {1}}), Error);
  EXPECT_THROW(nn::gru_layer(t.x, t.w, t.h0), Error);  // 4 gates' weights for a GRU
}

TEST(Rnn, ModuleShapesAndRepr) {
  nn::GRU m(3, 4, {.num_layers = 3, .batch_first = true, .bidirectional = true});
  const auto r = m.forward_state(Tensor::zeros({2, 5, 3}));
  EXPECT_EQ(r.output.shape(), (Shape{2, 5, 8}));
  EXPECT_EQ(r.h.shape(), (Shape{6, 2, 4}));
  // an empty batch (batch_first: N = 0) runs and gives empty results
  EXPECT_EQ(m.forward_state(Tensor::zeros({0, 2, 3})).output.shape(), (Shape{0, 2, 8}));
  EXPECT_EQ(m.type_name(), "GRU");
  EXPECT_NE(m.extra_repr().find("bidirectional=true"), std::string::npos);
}

}  // namespace
}  // namespace nabla
