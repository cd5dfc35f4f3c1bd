// nn::Graph: named nodes wired by name (skip connections, concatenation, several outputs).
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "nabla/nn/nn.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/shape.hpp"
#include "tests/nn/nn_test_util.hpp"

namespace nabla::test {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

Tensor randn(const Shape& s, uint64_t seed, DType dtype = DType::Float32) {
  Generator g(seed);
  return Tensor::randn(s, dtype, &g);
}

// A residual block, a concat with the input and a head: every node kind, and a value (stem)
// read by two later nodes.
struct Net {
  std::shared_ptr<nn::Conv2d> stem =
      std::make_shared<nn::Conv2d>(1, 2, 3, nn::Conv2dOptions{.padding = 1});
  std::shared_ptr<nn::Conv2d> body =
      std::make_shared<nn::Conv2d>(2, 2, 3, nn::Conv2dOptions{.padding = 1});
  std::shared_ptr<nn::Flatten> flat = std::make_shared<nn::Flatten>();
  std::shared_ptr<nn::Linear> head = std::make_shared<nn::Linear>(3 * 4 * 4, 2);
  nn::Graph g;
  Net() {
    g.add_layer("stem", "input", stem);
    g.add_layer("body", "stem", body);
    g.add_sum("sum", {"stem", "body"});
    g.add_concat("cat", {"sum", "input"});
    g.add_layer("flat", "cat", flat);
    g.add_layer("head", "flat", head);
  }
  Tensor by_hand(const Tensor& x) const {
    Tensor s = stem->forward(x);
    Tensor sum = s + body->forward(s);
    return head->forward(flat->forward(cat({sum, x}, 1)));
  }
};

TEST(Graph, ForwardMatchesTheHandWrittenComposition) {
  Net n;
  const Tensor x = randn({3, 1, 4, 4}, 7);
  EXPECT_EQ(n.g.forward(x).to_vector<float>(), n.by_hand(x).to_vector<float>());
  EXPECT_EQ(n.g.forward(x).shape(), (Shape{3, 2}));
}

TEST(Graph, GradcheckThroughAddAndConcat) {
  Net n;
  n.g.to(DType::Float64);
  Tensor x = randn({2, 1, 4, 4}, 3, DType::Float64);
  x.set_requires_grad(true);
  std::vector<Tensor> in{x};
  for (auto& p : n.g.parameters()) in.push_back(p);
  auto fn = [&](const std::vector<Tensor>& v) { return n.g(v[0]); };
  EXPECT_GRADCHECK(fn, in);
}

TEST(Graph, ModuleNodesAreChildrenNamedByNodeInNodeOrder) {
  Net n;
  std::vector<std::string> keys;
  for (const auto& [k, t] : n.g.named_parameters()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"stem.weight", "stem.bias", "body.weight", "body.bias",
                                            "head.weight", "head.bias"}));
  EXPECT_EQ(n.g.state_dict().count("head.weight"), 1u);
  // PyTorch's default init walks modules in registration order, which is the node order: the
  // same draws as a Sequential of the same layers
  nn::init::pytorch_default_init_(n.g, 5);
  nn::Sequential seq{nn::Conv2d(1, 2, 3, {.padding = 1}), nn::Conv2d(2, 2, 3, {.padding = 1}),
                     nn::Flatten(), nn::Linear(3 * 4 * 4, 2)};
  nn::init::pytorch_default_init_(seq, 5);
  EXPECT_EQ(n.head->weight.to_vector<float>(), param(seq, "3.weight").to_vector<float>());
  EXPECT_EQ(n.body->bias.to_vector<float>(), param(seq, "1.bias").to_vector<float>());
}

TEST(Graph, ForwardAllGivesEveryOutputByName) {
  Net n;
  n.g.set_outputs({"head", "sum"});
  const Tensor x = randn({1, 1, 4, 4}, 9);
  auto outs = n.g.forward_all(x);
  ASSERT_EQ(outs.size(), 2u);
  EXPECT_EQ(outs[0].first, "head");
  EXPECT_EQ(outs[1].first, "sum");
  EXPECT_EQ(outs[1].second.shape(), (Shape{1, 2, 4, 4}));
  EXPECT_EQ(n.g.forward(x).to_vector<float>(), outs[0].second.to_vector<float>());
  EXPECT_EQ(n.g.output_names(), (std::vector<std::string>{"head", "sum"}));
}

TEST(Graph, WiringErrorsNameTheNode) {
  nn::Graph g;
  g.add_layer("a", "input", nn::ReLU());
  EXPECT_NE(
      error_of([&] { g.add_layer("b", "nope", nn::ReLU()); })
          .find("node \"b\": unknown input \"nope\"; inputs name an earlier node or \"input\" "
                "(so far: input, a)"),
      std::string::npos);
  EXPECT_NE(error_of([&] {
              g.add_layer("a", "input", nn::Tanh());
            }).find("a node named \"a\" already exists"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              g.add_sum("input", {"a", "a"});
            }).find("names the graph's input"),
            std::string::npos);
  EXPECT_NE(error_of([&] { g.add_concat("c", {"a"}); }).find("needs two or more inputs"),
            std::string::npos);
  EXPECT_NE(error_of([&] { g.set_outputs({"zz"}); }).find("unknown input \"zz\""),
            std::string::npos);
  EXPECT_EQ(g.nodes().size(), 1u);  // the refused nodes were not added
}

TEST(Graph, MergeShapeErrorsNameTheNodeBothInputsAndShapes) {
  nn::Graph g;
  g.add_layer("wide", "input", nn::Conv2d(1, 4, 1));
  g.add_layer("small", "input", nn::MaxPool2d(2));
  g.add_sum("sum", {"wide", "small"});
  const std::string e = error_of([&] { g(Tensor::zeros({1, 1, 4, 4})); });
  EXPECT_NE(
      e.find("Graph: node \"sum\": add: input \"wide\" is [1, 4, 4, 4] but input \"small\" is "
             "[1, 1, 2, 2]"),
      std::string::npos)
      << e;
  nn::Graph c;
  c.add_layer("small", "input", nn::MaxPool2d(2));
  c.add_concat("cat", {"input", "small"});
  const std::string ce = error_of([&] { c(Tensor::zeros({1, 1, 4, 4})); });
  EXPECT_NE(ce.find("Graph: node \"cat\": concat: input \"input\" is [1, 1, 4, 4] but input "
                    "\"small\" is [1, 1, 2, 2]; a concat joins channels"),
            std::string::npos)
      << ce;
  // channels may differ in a concat, nothing else
  nn::Graph ok;
  ok.add_layer("more", "input", nn::Conv2d(1, 3, 1));
  ok.add_concat("cat", {"input", "more"});
  EXPECT_EQ(ok(Tensor::zeros({2, 1, 4, 4})).shape(), (Shape{2, 4, 4, 4}));
}

TEST(Graph, TrainAndEvalReachEveryNode) {
  nn::Graph g;
  g.add_layer("drop", "input", nn::Dropout(0.5));
  g.add_layer("bn", "drop", nn::BatchNorm1d(3));
  g.eval();
  for (const auto& [name, m] : g.named_modules()) EXPECT_FALSE(m->is_training()) << name;
  const Tensor x = randn({4, 3}, 1);
  EXPECT_EQ(g(x).to_vector<float>(), g(x).to_vector<float>());  // no dropout in eval
}

}  // namespace
}  // namespace nabla::test
