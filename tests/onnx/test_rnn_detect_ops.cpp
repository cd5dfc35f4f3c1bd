// The ONNX LSTM, GRU, RNN, RoiAlign and NonMaxSuppression ops on what the node tests of
// libonnx-testdata leave out: bidirectional LSTM/GRU against nn::LSTM/nn::GRU (PyTorch's gate
// order, re-cut here into ONNX's), gradients reaching imported recurrent weights, RoiAlign's
// opset-10 and opset-16 coordinate rules and max mode, NMS without a box limit, and the errors
// for attributes nabla does not run.
#include <gtest/gtest.h>

#include "nabla/nn/rnn.hpp"
#include "nabla/onnx/model.hpp"
#include "nabla/ops/ops.hpp"
#include "nabla/vision/roi_align.hpp"
#include "onnx_builders.hpp"
#include "tests/support/fixtures.hpp"

namespace nabla::onnx {
namespace {

using test::init;
using test::model;
using test::node;

void str_attr(::onnx::NodeProto& n, const std::string& name, const std::string& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::STRING);
  a->set_s(v);
}
void strs_attr(::onnx::NodeProto& n, const std::string& name, const std::vector<std::string>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::STRINGS);
  for (const auto& s : v) a->add_strings(s);
}
void int_attr(::onnx::NodeProto& n, const std::string& name, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INT);
  a->set_i(v);
}

Tensor param(const nn::Module& m, const std::string& name) {
  for (auto& [n, t] : m.named_parameters())
    if (n == name) return t;
  throw Error("no parameter " + name);
}

// PyTorch gate blocks -> ONNX's: LSTM (i f g o) -> (i o f c), GRU (r z n) -> (z r h).
Tensor to_onnx_gates(const Tensor& t, bool lstm) {
  const auto p = chunk(t, lstm ? 4 : 3, 0);
  return lstm ? cat({p[0], p[3], p[1], p[2]}, 0) : cat({p[1], p[0], p[2]}, 0);
}

// An ONNX LSTM/GRU node holding a one-layer bidirectional nn module's weights as initializers.
::onnx::ModelProto recurrent_model(nn::RecurrentBase& m, bool lstm, bool batch_major) {
  auto om =
      model(14, {"x"},
            lstm ? std::vector<std::string>{"y", "yh", "yc"} : std::vector<std::string>{"y", "yh"});
  auto p = [&](const std::string& n) { return param(m, n); };
  std::vector<Tensor> w, r, b;
  for (const std::string sfx : {"_l0", "_l0_reverse"}) {
    w.push_back(to_onnx_gates(p("weight_ih" + sfx), lstm));
    r.push_back(to_onnx_gates(p("weight_hh" + sfx), lstm));
    b.push_back(
        cat({to_onnx_gates(p("bias_ih" + sfx), lstm), to_onnx_gates(p("bias_hh" + sfx), lstm)}, 0));
  }
  init(om, "W", stack(w, 0).detach());
  init(om, "R", stack(r, 0).detach());
  init(om, "B", stack(b, 0).detach());
  auto& n =
      node(om, lstm ? "LSTM" : "GRU", {"x", "W", "R", "B"},
           lstm ? std::vector<std::string>{"y", "yh", "yc"} : std::vector<std::string>{"y", "yh"});
  str_attr(n, "direction", "bidirectional");
  int_attr(n, "hidden_size", m.hidden_size());
  if (!lstm) int_attr(n, "linear_before_reset", 1);  // PyTorch's GRU
  if (batch_major) int_attr(n, "layout", 1);
  return om;
}

void check_against_module(bool lstm, bool batch_major) {
  std::shared_ptr<nn::RecurrentBase> m;
  if (lstm)
    m = std::make_shared<nn::LSTM>(3, 4, nn::RnnOptions{.bidirectional = true});
  else
    m = std::make_shared<nn::GRU>(3, 4, nn::RnnOptions{.bidirectional = true});
  Generator g(21);
  const Tensor x = Tensor::randn({5, 2, 3}, DType::Float32, &g);  // (T, N, I)
  const nn::RnnResult want = m->forward_state(x);
  OnnxModel om(recurrent_model(*m, lstm, batch_major));
  const auto got = om.run(std::vector<Tensor>{batch_major ? transpose(x, 0, 1).contiguous() : x});
  // ONNX Y: (T, dirs, N, H), or (N, T, dirs, H) batch-major; the module: (T, N, dirs * H)
  Tensor y = permute(reshape(want.output, {5, 2, 2, 4}), {0, 2, 1, 3});
  Tensor yh = want.h, yc = want.c;
  if (batch_major) {
    y = permute(y, {2, 0, 1, 3});
    yh = transpose(yh, 0, 1);
    if (lstm) yc = transpose(yc, 0, 1);
  }
  EXPECT_TRUE(nabla::test::all_close(got[0], y, 1e-5, 1e-6)) << "Y";
  EXPECT_TRUE(nabla::test::all_close(got[1], yh, 1e-5, 1e-6)) << "Y_h";
  if (lstm) {
    EXPECT_TRUE(nabla::test::all_close(got[2], yc, 1e-5, 1e-6)) << "Y_c";
  }
}

TEST(OnnxRnnOps, BidirectionalLstmMatchesTheModule) { check_against_module(true, false); }
TEST(OnnxRnnOps, BidirectionalBatchMajorLstmMatchesTheModule) { check_against_module(true, true); }
TEST(OnnxRnnOps, BidirectionalGruMatchesTheModule) { check_against_module(false, false); }
TEST(OnnxRnnOps, BidirectionalBatchMajorGruMatchesTheModule) { check_against_module(false, true); }

TEST(OnnxRnnOps, GradientsReachTheImportedWeights) {
  nn::GRU m(3, 4, {.bidirectional = true});
  OnnxModel om(recurrent_model(m, false, false));
  Tensor x = Tensor::randn({5, 2, 3});
  x.set_requires_grad(true);
  sum(om.run(std::vector<Tensor>{x})[1]).backward();
  int with_grad = 0;
  for (auto& [name, p] : om.named_parameters())
    with_grad += p.grad().defined() && sum(abs(p.grad())).item() > 0;
  EXPECT_EQ(with_grad, 3);  // W, R, B
  EXPECT_GT(sum(abs(x.grad())).item(), 0);
}

TEST(OnnxRnnOps, OtherActivationsAndBadAttributesAreErrors) {
  auto run = [](const std::function<void(::onnx::NodeProto&)>& set) {
    auto m = model(14, {"x"}, {"y"});
    init(m, "W", Tensor::zeros({1, 8, 3}));
    init(m, "R", Tensor::zeros({1, 8, 2}));
    auto& n = node(m, "LSTM", {"x", "W", "R"}, {"y"}, "enc");
    set(n);
    OnnxModel(m).run(std::vector<Tensor>{Tensor::zeros({4, 1, 3})});
  };
  EXPECT_NO_THROW(run([](auto& n) { strs_attr(n, "activations", {"Sigmoid", "Tanh", "Tanh"}); }));
  try {
    run([](auto& n) { strs_attr(n, "activations", {"Sigmoid", "Relu", "Tanh"}); });
    FAIL() << "Relu accepted";
  } catch (const Unsupported& e) {
    EXPECT_NE(std::string(e.what()).find("LSTM node 'enc'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'Relu'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(run([](auto& n) { str_attr(n, "direction", "sideways"); }), Error);
  EXPECT_THROW(run([](auto& n) { int_attr(n, "hidden_size", 3); }), Error);
  EXPECT_THROW(run([](auto& n) { int_attr(n, "input_forget", 1); }), Unsupported);
  // RNN: tanh only (ONNX allows Relu and others; nabla runs the default)
  auto rnn = model(14, {"x"}, {"y"});
  init(rnn, "W", Tensor::zeros({1, 2, 3}));
  init(rnn, "R", Tensor::zeros({1, 2, 2}));
  strs_attr(node(rnn, "RNN", {"x", "W", "R"}, {"y"}), "activations", {"Relu"});
  EXPECT_THROW(OnnxModel(rnn).run(std::vector<Tensor>{Tensor::zeros({4, 1, 3})}), Unsupported);
  // hidden size 0 and an empty sequence
  auto empty = model(14, {"x"}, {"y"});
  init(empty, "W", Tensor::zeros({1, 0, 3}));
  init(empty, "R", Tensor::zeros({1, 0, 0}));
  node(empty, "GRU", {"x", "W", "R"}, {"y"});
  EXPECT_THROW(OnnxModel(empty).run(std::vector<Tensor>{Tensor::zeros({4, 1, 3})}), Error);
  auto lstm = model(14, {"x"}, {"y"});
  init(lstm, "W", Tensor::zeros({1, 8, 3}));
  init(lstm, "R", Tensor::zeros({1, 8, 2}));
  node(lstm, "LSTM", {"x", "W", "R"}, {"y"});
  EXPECT_THROW(OnnxModel(lstm).run(std::vector<Tensor>{Tensor::zeros({0, 1, 3})}), Error);
  EXPECT_THROW(OnnxModel(lstm).run(std::vector<Tensor>{Tensor::zeros({2, 0, 3})}), Error);
  // W for 3 gates in an LSTM
  auto m = model(14, {"x"}, {"y"});
  init(m, "W", Tensor::zeros({1, 6, 3}));
  init(m, "R", Tensor::zeros({1, 8, 2}));
  node(m, "LSTM", {"x", "W", "R"}, {"y"});
  EXPECT_THROW(OnnxModel(m).run(std::vector<Tensor>{Tensor::zeros({4, 1, 3})}), Error);
}

// ---- detection ops ----------------------------------------------------------------------

std::vector<Tensor> roi_run(int64_t opset, const std::string& mode, const Tensor& x,
                            const Tensor& rois, const Tensor& idx) {
  auto m = model(opset, {"x", "rois", "idx"}, {"y"});
  auto& n = node(m, "RoiAlign", {"x", "rois", "idx"}, {"y"});
  int_attr(n, "output_height", 2);
  int_attr(n, "output_width", 3);
  int_attr(n, "sampling_ratio", 2);
  str_attr(n, "mode", mode);
  return OnnxModel(m).run(std::vector<Tensor>{x, rois, idx});
}

TEST(OnnxDetectOps, RoiAlignCoordinateRulesByOpsetAndMaxMode) {
  Generator g(5);
  const Tensor x = Tensor::randn({2, 3, 8, 8}, DType::Float32, &g);
  const Tensor rois = Tensor::from_vector(std::vector<float>{0.5, 1, 6, 7, 2, 2.5, 5, 4}, {2, 4});
  const Tensor idx = Tensor::from_vector(std::vector<int64_t>{1, 0}, {2});
  vision::RoiAlignOptions o{.output_h = 2, .output_w = 3, .sampling_ratio = 2};
  const Tensor legacy = vision::roi_align(x, rois, idx, o);
  o.aligned = true;
  const Tensor aligned = vision::roi_align(x, rois, idx, o);
  EXPECT_TRUE(nabla::test::all_close(roi_run(10, "avg", x, rois, idx)[0], legacy, 0, 0));
  EXPECT_TRUE(nabla::test::all_close(roi_run(16, "avg", x, rois, idx)[0], aligned, 0, 0));
  EXPECT_FALSE(nabla::test::all_close(legacy, aligned, 1e-3, 1e-4));  // the rules differ here
  o.mode = vision::RoiAlignMode::MaxCorner;
  EXPECT_TRUE(nabla::test::all_close(roi_run(16, "max", x, rois, idx)[0],
                                     vision::roi_align(x, rois, idx, o), 0, 0));
  EXPECT_THROW(roi_run(16, "median", x, rois, idx), Error);
  const Tensor bad_idx = Tensor::from_vector(std::vector<int64_t>{1, 2}, {2});
  try {
    roi_run(16, "avg", x, rois, bad_idx);
    FAIL() << "batch index 2 of 2 images accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("RoiAlign node"), std::string::npos) << e.what();
  }
}

TEST(OnnxDetectOps, NmsKeepsNothingWithoutALimitInputAndEverythingWithAHugeOne) {
  // two far-apart boxes in one image and class, (y1 x1 y2 x2)
  const Tensor boxes = Tensor::from_vector(std::vector<float>{0, 0, 1, 1, 5, 5, 6, 6}, {1, 2, 4});
  const Tensor scores = Tensor::from_vector(std::vector<float>{0.4f, 0.6f}, {1, 1, 2});
  auto m = model(11, {"b", "s"}, {"sel"});
  node(m, "NonMaxSuppression", {"b", "s"}, {"sel"});
  EXPECT_EQ(OnnxModel(m).run(std::vector<Tensor>{boxes, scores})[0].shape(), (Shape{0, 3}));
  auto m2 = model(11, {"b", "s"}, {"sel"});
  init(m2, "k", Tensor::from_vector(std::vector<int64_t>{INT64_MAX}, {1}));
  node(m2, "NonMaxSuppression", {"b", "s", "k"}, {"sel"});
  EXPECT_EQ(OnnxModel(m2).run(std::vector<Tensor>{boxes, scores})[0].to_vector<int64_t>(),
            (std::vector<int64_t>{0, 0, 1, 0, 0, 0}));
  EXPECT_THROW(OnnxModel(m2).run(std::vector<Tensor>{boxes, Tensor::zeros({1, 1, 3})}), Error);
}

}  // namespace
}  // namespace nabla::onnx
