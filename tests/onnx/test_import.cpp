// Importing hand-built models: values against nabla's own ops, initializers as trainable
// parameters that autograd reaches, opset-dependent forms, and the errors for what nabla cannot
// run (named op, node and opset, before anything runs).
#include <gtest/gtest.h>

#include "nabla/onnx/model.hpp"
#include "nabla/ops/ops.hpp"
#include "onnx_builders.hpp"

namespace nabla::onnx {
namespace {

using test::init;
using test::ints;
using test::model;
using test::node;

// x -> Conv(w, b; pads 1) -> Relu -> GlobalAveragePool -> Flatten -> Gemm(fc.weight, fc.bias)
::onnx::ModelProto small_cnn(const Tensor& w, const Tensor& b, const Tensor& fw, const Tensor& fb) {
  auto m = model(13, {"x"}, {"y"});
  init(m, "conv.weight", w);
  init(m, "conv.bias", b);
  init(m, "fc.weight", fw);
  init(m, "fc.bias", fb);
  ints(node(m, "Conv", {"x", "conv.weight", "conv.bias"}, {"c"}), "pads", {1, 1, 1, 1});
  node(m, "Relu", {"c"}, {"r"});
  node(m, "GlobalAveragePool", {"r"}, {"g"});
  node(m, "Flatten", {"g"}, {"f"});
  auto& gemm = node(m, "Gemm", {"f", "fc.weight", "fc.bias"}, {"y"});
  auto* t = gemm.add_attribute();
  t->set_name("transB");
  t->set_type(::onnx::AttributeProto::INT);
  t->set_i(1);
  return m;
}

TEST(OnnxImport, SmallCnnMatchesNablaOpsAndTrains) {
  Generator gen(3);
  const Tensor x = Tensor::randn({2, 3, 5, 5}, DType::Float32, &gen);
  const Tensor w = Tensor::randn({4, 3, 3, 3}, DType::Float32, &gen),
               b = Tensor::randn({4}, DType::Float32, &gen);
  const Tensor fw = Tensor::randn({2, 4}, DType::Float32, &gen),
               fb = Tensor::randn({2}, DType::Float32, &gen);
  OnnxModel m(small_cnn(w, b, fw, fb));
  const Tensor want =
      linear(flatten(global_avg_pool2d(relu(conv2d(x, w, b, {.padding = 1}))), 1), fw, fb);
  const Tensor got = m(x);
  ASSERT_EQ(got.shape(), want.shape());
  for (int64_t i = 0; i < got.numel(); ++i)
    EXPECT_NEAR(got.to_vector<float>()[i], want.to_vector<float>()[i], 1e-5);
  // the initializers are parameters under their ONNX names ('.' -> '_'), and gradients reach them
  const auto params = m.named_parameters();
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(params[0].first, "conv_weight");
  m(x).sum().backward();
  ASSERT_TRUE(params[0].second.grad().defined());
  EXPECT_GT(abs(params[0].second.grad()).sum().item(), 0);
}

TEST(OnnxImport, SqueezeAxesAreAnAttributeBeforeOpset13AndAnInputFrom13) {
  const Tensor x = Tensor::ones({1, 3, 1});
  auto old = model(11, {"x"}, {"y"});
  ints(node(old, "Squeeze", {"x"}, {"y"}), "axes", {0});
  EXPECT_EQ(OnnxModel(old)(x).shape(), (Shape{3, 1}));
  auto now = model(13, {"x"}, {"y"});
  init(now, "axes", Tensor::from_vector(std::vector<int64_t>{-1}, {1}));
  node(now, "Squeeze", {"x", "axes"}, {"y"});
  EXPECT_EQ(OnnxModel(now)(x).shape(), (Shape{1, 3}));
  EXPECT_TRUE(OnnxModel(now).parameters().empty());  // int64 initializers are buffers
}

TEST(OnnxImport, ClipBoundsAreAttributesBeforeOpset11AndInputsFrom11) {
  const Tensor x = Tensor::from_vector(std::vector<float>{-2, 0.5f, 3}, {3});
  auto old = model(7, {"x"}, {"y"});
  auto& c = node(old, "Clip", {"x"}, {"y"});
  auto* a = c.add_attribute();
  a->set_name("max");
  a->set_type(::onnx::AttributeProto::FLOAT);
  a->set_f(1.f);
  EXPECT_EQ(OnnxModel(old)(x).to_vector<float>(), (std::vector<float>{-2, 0.5f, 1}));
  auto now = model(13, {"x"}, {"y"});
  init(now, "lo", Tensor::scalar(0));
  node(now, "Clip", {"x", "lo"}, {"y"});
  EXPECT_EQ(OnnxModel(now)(x).to_vector<float>(), (std::vector<float>{0, 0.5f, 3}));
}

TEST(OnnxImport, InitializerNamesThatCollideAfterTheDotRuleGetSuffixes) {
  auto m = model(13, {"x"}, {"y"});
  init(m, "a.b", Tensor::ones({1}));
  init(m, "a_b", Tensor::full({1}, 2));
  init(m, "a-b", Tensor::full({1}, 3));
  node(m, "Sum", {"x", "a.b", "a_b", "a-b"}, {"y"});
  OnnxModel om(m);
  const auto params = om.named_parameters();
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params[0].first, "a_b");
  EXPECT_EQ(params[1].first, "a_b_1");
  EXPECT_EQ(params[2].first, "a-b");
  EXPECT_EQ(om(Tensor::zeros({1})).item(), 6);
}

TEST(OnnxImport, UnsupportedOpIsNamedWithNodeAndOpsetBeforeRunning) {
  auto m = model(13, {"x"}, {"y"});
  node(m, "Relu", {"x"}, {"r"});
  node(m, "Loop", {"r"}, {"y"}, "encoder_loop");
  try {
    OnnxModel{m};
    FAIL() << "a Loop model was accepted";
  } catch (const Unsupported& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("Loop node 'encoder_loop' (opset 13)"), std::string::npos) << msg;
  }
}

// Hostile attribute values from a file: each is a nabla::Error naming the problem, never a crash.
TEST(OnnxImport, BadAttributesAreErrorsNotCrashes) {
  const Tensor x = Tensor::ones({1, 2, 4, 4});
  auto run_one = [&](const std::string& op, const std::string& attr, std::vector<int64_t> v,
                     std::vector<std::string> extra = {}) {
    auto m = model(13, {"x"}, {"y"});
    std::vector<std::string> ins{"x"};
    for (const auto& e : extra) ins.push_back(e);
    if (!extra.empty()) init(m, "w", Tensor::ones({2, 2, 3, 3}));
    auto& n = node(m, op, ins, {"y"});
    if (attr == "group" || attr == "axis") {
      auto* a = n.add_attribute();
      a->set_name(attr);
      a->set_type(::onnx::AttributeProto::INT);
      a->set_i(v.at(0));
    } else {
      ints(n, attr, v);
    }
    OnnxModel om(m);
    return om(x);
  };
  const int64_t huge = int64_t{1} << 62;
  EXPECT_THROW(run_one("Conv", "group", {0}, {"w"}), Error);
  EXPECT_THROW(run_one("Conv", "strides", {0, 1}, {"w"}), Error);
  EXPECT_THROW(run_one("Conv", "dilations", {huge, 1}, {"w"}), Error);
  EXPECT_THROW(run_one("Conv", "pads", {1, 1}, {"w"}), Error);  // needs 4 values
  EXPECT_THROW(run_one("MaxPool", "kernel_shape", {0, 2}), Error);
  EXPECT_THROW(run_one("MaxPool", "kernel_shape", {9, 9}), Error);  // larger than the input
  EXPECT_THROW(run_one("Transpose", "perm", {0, 0, 1, 2}), Error);
  EXPECT_THROW(run_one("Concat", "axis", {7}), Error);
  EXPECT_THROW(run_one("Flatten", "axis", {-9}), Error);
}

TEST(OnnxImport, RejectsUnsortedGraphsMissingInputsAndOddOpsets) {
  auto m = model(13, {"x"}, {"y"});
  node(m, "Relu", {"r"}, {"y"});
  node(m, "Relu", {"x"}, {"r"});
  EXPECT_THROW(OnnxModel{m}, Error);
  auto ok = model(13, {"x"}, {"y"});
  node(ok, "Relu", {"x"}, {"y"});
  EXPECT_THROW(OnnxModel(ok).run(std::vector<Tensor>{}), Error);
  auto future = model(19, {"x"}, {"y"});
  node(future, "Relu", {"x"}, {"y"});
  EXPECT_THROW(OnnxModel{future}, Unsupported);
}

// Nodes run by their domain: ai.onnx and ai.onnx.preview.training (opset 1); anything else is
// refused by name before running, and a bad training node is an Error naming it.
TEST(OnnxImport, NodesOfOtherDomainsOrTrainingOpsetsAreRefusedByName) {
  auto expect_refused = [](const ::onnx::ModelProto& m, const std::string& part) {
    try {
      OnnxModel{m};
      ADD_FAILURE() << "accepted; expected an error with: " << part;
    } catch (const Unsupported& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  };
  auto ms = model(13, {"x"}, {"y"});
  node(ms, "FusedGemm", {"x"}, {"y"}).set_domain("com.microsoft");
  expect_refused(ms, "domain 'com.microsoft' is not supported");
  auto train_only = [](int64_t version) {
    ::onnx::ModelProto m = model(13, {"r", "t", "x", "g", "h"}, {"y", "h2"});
    m.mutable_opset_import(0)->set_domain("ai.onnx.preview.training");
    m.mutable_opset_import(0)->set_version(version);
    return m;
  };
  auto relu = train_only(1);
  node(relu, "Relu", {"x"}, {"y"});
  expect_refused(relu, "imports no opset of the default domain");
  auto v2 = train_only(2);
  node(v2, "Adagrad", {"r", "t", "x", "g", "h"}, {"y", "h2"})
      .set_domain("ai.onnx.preview.training");
  expect_refused(v2, "ai.onnx.preview.training opset 2 is not supported");
  auto odd = train_only(1);
  odd.mutable_graph()->mutable_input()->RemoveLast();  // R, T, X, G: no H
  node(odd, "Adagrad", {"r", "t", "x", "g"}, {"y", "h2"}, "step")
      .set_domain("ai.onnx.preview.training");
  OnnxModel om(odd);
  const Tensor r = Tensor::from_vector(std::vector<float>{0.1f}, {});
  const Tensor t = Tensor::from_vector(std::vector<int64_t>{0}, {});
  try {
    om.run(std::vector<Tensor>{r, t, Tensor::ones({2}), Tensor::ones({2})});
    ADD_FAILURE() << "an Adagrad node without H ran";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Adagrad node 'step'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nabla::onnx
