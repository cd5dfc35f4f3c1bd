// Module system: hierarchical names, parameters/buffers, train/eval, apply, Sequential,
// Residual, state dicts (round trip and the strict error that lists every problem), dtype.
#include <gtest/gtest.h>

#include <set>

#include "nabla/nn/nn.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/matmul.hpp"
#include "nabla/ops/reduce.hpp"
#include "tests/nn/nn_test_util.hpp"

namespace nabla {
namespace {

using test::all_close;

std::vector<std::string> names(const nn::NamedTensors& v) {
  std::vector<std::string> out;
  for (auto& kv : v) out.push_back(kv.first);
  return out;
}

// A user-defined module with children of its own, as vision models are written.
class TinyNet : public nn::Module {
 public:
  TinyNet() {
    features = register_module("features",
                               nn::Sequential{nn::Linear(4, 6), nn::BatchNorm1d(6), nn::ReLU()});
    head = register_module("head", nn::Linear(6, 3));
  }
  Tensor forward(const Tensor& x) override { return (*head)(features->forward(x)); }

  std::shared_ptr<nn::Sequential> features;
  std::shared_ptr<nn::Linear> head;
};

TEST(Module, HierarchicalNamesInRegistrationOrder) {
  TinyNet net;
  EXPECT_EQ(names(net.named_parameters()),
            (std::vector<std::string>{"features.0.weight", "features.0.bias", "features.1.weight",
                                      "features.1.bias", "head.weight", "head.bias"}));
  EXPECT_EQ(names(net.named_buffers()),
            (std::vector<std::string>{"features.1.running_mean", "features.1.running_var",
                                      "features.1.num_batches_tracked"}));
  EXPECT_EQ(net.parameters().size(), 6u);
  EXPECT_EQ(net.num_parameters(), 4 * 6 + 6 + 6 + 6 + 6 * 3 + 3);
  EXPECT_EQ(net.children().size(), 2u);
  EXPECT_EQ(net.parameters(false).size(), 0u);  // TinyNet has no parameters of its own
  std::vector<std::string> mods;
  for (auto& [n, m] : net.named_modules()) mods.push_back(n + ":" + m->type_name());
  EXPECT_EQ(mods,
            (std::vector<std::string>{"features:Sequential", "features.0:Linear",
                                      "features.1:BatchNorm1d", "features.2:ReLU", "head:Linear"}));
  for (auto& p : net.parameters()) EXPECT_TRUE(p.requires_grad());
  for (auto& b : net.buffers()) EXPECT_FALSE(b.requires_grad());
}

TEST(Module, SequentialBuildsFromValuesAndRuns) {
  nn::Sequential net{nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 2)};
  ASSERT_EQ(net.size(), 3u);
  EXPECT_EQ(names(net.named_parameters()),
            (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  Tensor x = Tensor::randn({5, 4});
  Tensor y = net(x);
  EXPECT_EQ(y.shape(), (Shape{5, 2}));
  // Same as running the pieces by hand.
  Tensor h = relu(linear(x, net.at<nn::Linear>(0).weight, net.at<nn::Linear>(0).bias));
  EXPECT_TRUE(all_close(y, linear(h, net.at<nn::Linear>(2).weight, net.at<nn::Linear>(2).bias)));
  EXPECT_EQ(net[1].type_name(), "ReLU");
  EXPECT_THROW(net[3], Error);
  try {
    net.at<nn::Linear>(1);
    FAIL() << "expected nabla::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("module 1 is a ReLU, not a nabla::nn::Linear"),
              std::string::npos)
        << e.what();
  }

  net.push_back(nn::Softmax(1));
  net.push_back("logits_scale", nn::Identity());
  EXPECT_EQ(net.named_children().back().first, "logits_scale");
  Tensor p = net(x);
  EXPECT_TRUE(all_close(sum(p, {1}), Tensor::ones({5}), 1e-5, 1e-6));
}

TEST(Module, TheDesignDocLeNetBuilds) {
  nn::Sequential net{nn::Conv2d(1, 6, 5, {.padding = 2}),
                     nn::ReLU(),
                     nn::MaxPool2d(2),
                     nn::Conv2d(6, 16, 5),
                     nn::ReLU(),
                     nn::MaxPool2d(2),
                     nn::Flatten(),
                     nn::Linear(400, 120),
                     nn::ReLU(),
                     nn::Linear(120, 84),
                     nn::ReLU(),
                     nn::Linear(84, 10)};
  EXPECT_EQ(net(Tensor::randn({2, 1, 28, 28})).shape(), (Shape{2, 10}));
  EXPECT_EQ(net.num_parameters(), 61706);  // LeNet-5 as torch counts it
}

TEST(Module, CopiesShareParametersAndSharedModulesAreListedOnce) {
  nn::Linear a(2, 3);
  nn::Linear b = a;
  EXPECT_TRUE(a.weight.same(b.weight));
  auto shared = std::make_shared<nn::Linear>(3, 3);
  nn::Sequential tied{shared, nn::Tanh(), shared};  // weight tying
  EXPECT_EQ(tied.parameters().size(), 2u);
  EXPECT_EQ(tied.named_parameters()[0].first, "0.weight");
}

TEST(Module, TrainEvalReachesEveryDescendant) {
  TinyNet net;
  for (auto& [n, m] : net.named_modules()) EXPECT_TRUE(m->is_training()) << n;
  net.eval();
  EXPECT_FALSE(net.is_training());
  for (auto& [n, m] : net.named_modules()) EXPECT_FALSE(m->is_training()) << n;
  net.train();
  for (auto& [n, m] : net.named_modules()) EXPECT_TRUE(m->is_training()) << n;
}

TEST(Module, ApplyVisitsChildrenThenSelf) {
  TinyNet net;
  std::vector<std::string> order;
  net.apply([&](nn::Module& m) {
    order.push_back(m.type_name());
    if (auto* lin = dynamic_cast<nn::Linear*>(&m)) nn::init::zeros_(lin->weight);
  });
  EXPECT_EQ(order, (std::vector<std::string>{"Linear", "BatchNorm1d", "ReLU", "Sequential",
                                             "Linear", "TinyNet"}));
  EXPECT_EQ(max(abs(net.head->weight)).item(), 0.0);
}

TEST(Module, ZeroGradDropsGradients) {
  nn::Linear lin(3, 2);
  sum(lin(Tensor::randn({4, 3}))).backward();
  ASSERT_TRUE(lin.weight.grad().defined());
  lin.zero_grad();
  EXPECT_FALSE(lin.weight.grad().defined());
}

TEST(StateDict, RoundTripReproducesOutputs) {
  TinyNet a, b;
  a.train();
  a(Tensor::randn({8, 4}));  // moves a's running statistics away from b's
  a.eval();
  b.eval();
  Tensor x = Tensor::randn({3, 4});
  EXPECT_FALSE(all_close(a(x), b(x)));
  nn::StateDict sd = a.state_dict();
  EXPECT_EQ(sd.size(), 9u);
  EXPECT_FALSE(sd.at("head.weight").requires_grad());
  EXPECT_TRUE(sd.at("head.weight").storage() == a.head->weight.storage());  // shares data
  auto res = b.load_state_dict(sd);
  EXPECT_TRUE(res.missing_keys.empty() && res.unexpected_keys.empty());
  EXPECT_TRUE(all_close(a(x), b(x), 0, 0));
  EXPECT_EQ(b.features->at<nn::BatchNorm1d>(1).num_batches_tracked.item(), 1);
  // Loading copies: b's parameters stay its own tensors.
  EXPECT_FALSE(a.head->weight.storage() == b.head->weight.storage());
  EXPECT_TRUE(b.head->weight.requires_grad());
}

TEST(StateDict, StrictErrorListsEveryProblemAndLoadsNothing) {
  TinyNet net;
  nn::StateDict sd = TinyNet().state_dict();
  sd.erase("head.bias");                            // missing
  sd.erase("features.1.running_var");               // missing
  sd["head.extra"] = Tensor::zeros({3});            // unexpected
  sd["features.0.weight"] = Tensor::zeros({6, 5});  // wrong shape
  const Tensor before = net.head->weight.clone_data();
  try {
    net.load_state_dict(sd);
    FAIL() << "expected nabla::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("4 problems"), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing key 'head.bias'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing key 'features.1.running_var'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unexpected key 'head.extra'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'features.0.weight'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[6, 4]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[6, 5]"), std::string::npos) << msg;
  }
  EXPECT_TRUE(all_close(net.head->weight, before, 0, 0));  // untouched

  // Non-strict: missing/unexpected are reported, not thrown; shapes still must agree.
  EXPECT_THROW(net.load_state_dict(sd, false), Error);
  sd.erase("features.0.weight");
  auto res = net.load_state_dict(sd, false);
  EXPECT_EQ(res.missing_keys.size(), 3u);
  EXPECT_EQ(res.unexpected_keys, (std::vector<std::string>{"head.extra"}));
}

TEST(StateDict, ConvertsDtypeOnLoad) {
  nn::Linear a(3, 2), b(3, 2);
  b.to(DType::Float64);
  b.load_state_dict(a.state_dict());
  EXPECT_EQ(b.weight.dtype(), DType::Float64);
  EXPECT_TRUE(all_close(b.weight, a.weight, 1e-7, 0));
}

TEST(Module, ToDtypeKeepsIdentity) {
  TinyNet net;
  const TensorImpl* w = net.head->weight.impl();
  auto params = net.parameters();  // e.g. an optimizer holding the handles
  net.to(DType::Float64);
  EXPECT_EQ(net.head->weight.impl(), w);
  for (auto& p : params) {
    EXPECT_EQ(p.dtype(), DType::Float64);
    EXPECT_TRUE(p.requires_grad());
  }
  EXPECT_EQ(net.features->at<nn::BatchNorm1d>(1).num_batches_tracked.dtype(), DType::Int64);
  Tensor y = net(Tensor::randn({4, 4}, DType::Float64));
  EXPECT_EQ(y.dtype(), DType::Float64);
}

TEST(Module, RegistrationErrors) {
  struct Bad : nn::Module {
    void twice() {
      register_parameter("w", Tensor::zeros({1}));
      register_buffer("w", Tensor::zeros({1}));
    }
    void dotted() { register_parameter("a.b", Tensor::zeros({1})); }
    void integer() { register_parameter("i", Tensor::zeros({1}, DType::Int64)); }
  };
  EXPECT_THROW(Bad().twice(), Error);
  EXPECT_THROW(Bad().dotted(), Error);
  EXPECT_THROW(Bad().integer(), Error);
  nn::Module plain;
  EXPECT_THROW(plain(Tensor::zeros({1})), Error);  // no forward
}

TEST(Residual, AddsTheSkipConnection) {
  nn::Residual block(nn::Sequential{nn::Linear(4, 4), nn::Tanh()});
  Tensor x = Tensor::randn({3, 4});
  EXPECT_TRUE(all_close(block(x), block.body()(x) + x));
  EXPECT_EQ(names(block.named_parameters()),
            (std::vector<std::string>{"body.0.weight", "body.0.bias"}));

  nn::Residual down(nn::Conv2d(2, 4, 3, {.stride = 2, .padding = 1}),
                    nn::Conv2d(2, 4, 1, {.stride = 2, .bias = false}));
  Tensor img = Tensor::randn({1, 2, 6, 6});
  EXPECT_TRUE(all_close(down(img), down.body()(img) + down.shortcut()(img)));
  EXPECT_EQ(down.num_parameters(), 4 * 2 * 9 + 4 + 4 * 2);

  nn::Residual copy(block);  // a copy (sharing parameters), not a block wrapped in a block
  EXPECT_EQ(names(copy.named_parameters()), names(block.named_parameters()));
  nn::Sequential seq{nn::Linear(2, 2)};
  nn::Sequential seq_copy(seq);
  EXPECT_EQ(seq_copy.size(), 1u);
  EXPECT_EQ(seq_copy[0].type_name(), "Linear");

  nn::Residual wrong(nn::Linear(4, 5));
  EXPECT_THROW(wrong(x), Error);
}

TEST(Module, PrintsLikePyTorch) {
  nn::Sequential net{nn::Linear(4, 3), nn::LeakyReLU(0.2), nn::Dropout(0.25)};
  const std::string s = nn::to_string(net);
  EXPECT_NE(s.find("Sequential("), std::string::npos) << s;
  EXPECT_NE(s.find("(0): Linear(in_features=4, out_features=3, bias=true)"), std::string::npos)
      << s;
  EXPECT_NE(s.find("(1): LeakyReLU(negative_slope=0.2)"), std::string::npos) << s;
  EXPECT_NE(s.find("(2): Dropout(p=0.25)"), std::string::npos) << s;
}

}  // namespace
}  // namespace nabla
