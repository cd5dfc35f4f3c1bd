// Layers against PyTorch (weights loaded through load_state_dict with PyTorch's names, forward
// values, input and parameter gradients), and float64 gradchecks through each layer module.
#include <gtest/gtest.h>

#include "nabla/nn/nn.hpp"
#include "nabla/ops/activation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"
#include "tests/nn/nn_test_util.hpp"

namespace nabla {
namespace {

using test::all_close;
using test::fixture_get;

const io::TensorMap& layer_fixture() {
  static io::TensorMap f = test::load_fixture("nn_layers");
  return f;
}

// Replays make_nn_fixtures.py's layer_case on a nabla module built like the torch one.
void check_layer_case(const std::string& name, nn::Module& m, double tol = 1e-4) {
  const auto& f = layer_fixture();
  auto get = [&](const std::string& k) { return fixture_get(f, name + "." + k); };
  test::load_prefixed(m, f, name + ".p.");
  Tensor x = test::leaf(get("x"));
  Tensor y = m(x);
  ASSERT_TRUE(all_close(y, get("y"), tol, tol)) << name << " forward";
  y.backward(get("gy"));
  EXPECT_TRUE(all_close(x.grad(), get("dx"), tol, tol)) << name << " input grad";
  for (auto& [pname, p] : m.named_parameters()) {
    EXPECT_TRUE(all_close(p.grad(), get("d." + pname), tol, tol)) << name << " grad of " << pname;
  }
}

TEST(LayersTorch, Linear) {
  nn::Linear m(7, 5);
  check_layer_case("linear", m);
}
TEST(LayersTorch, LinearNoBiasOnA3dInput) {
  nn::Linear m(7, 3, {.bias = false});
  EXPECT_EQ(m.parameters().size(), 1u);
  check_layer_case("linear_nobias_3d", m);
}
TEST(LayersTorch, Conv2d) {
  nn::Conv2d m(3, 4, 3, {.stride = 2, .padding = 1});
  check_layer_case("conv", m);
}
TEST(LayersTorch, Conv2dGroupsDilationRectangular) {
  nn::Conv2d m(4, 6, {3, 2}, {.padding = {1, 0}, .dilation = 2, .groups = 2});
  check_layer_case("conv_groups", m);
}
TEST(LayersTorch, ConvTranspose2d) {
  nn::ConvTranspose2d m(4, 3, 3, {.stride = 2, .padding = 1, .output_padding = 1});
  check_layer_case("convt", m);
}
TEST(LayersTorch, DenseMaxout) {
  nn::Maxout m(6, 4, 3);
  check_layer_case("maxout", m);
}
TEST(LayersTorch, ChannelMaxout) {
  nn::ChannelMaxout m(3);
  check_layer_case("channel_maxout", m);
}
TEST(LayersTorch, SmallConvNetEndToEnd) {
  nn::Sequential net{nn::Conv2d(1, 3, 3, {.padding = 1}),
                     nn::ReLU(),
                     nn::MaxPool2d(2),
                     nn::Conv2d(3, 4, 3),
                     nn::Tanh(),
                     nn::AdaptiveAvgPool2d({2, 2}),
                     nn::Flatten(),
                     nn::Linear(16, 6),
                     nn::LeakyReLU(0.1),
                     nn::Linear(6, 3),
                     nn::LogSoftmax(1)};
  check_layer_case("net", net);
}

// ---- gradchecks through the modules (float64; the module's own parameters are perturbed) ----

Tensor rand64(const Shape& s, uint64_t seed) {
  Generator g(seed);
  Tensor t = Tensor::randn(s, DType::Float64, &g);
  t.set_requires_grad();
  return t;
}

std::vector<Tensor> with_params(Tensor x, const nn::Module& m) {
  std::vector<Tensor> in{std::move(x)};
  for (auto& p : m.parameters()) in.push_back(p);
  return in;
}

void gradcheck_module(nn::Module& m, const Shape& input_shape, const std::string& what) {
  m.to(DType::Float64);
  auto fn = [&](const std::vector<Tensor>& in) { return m(in[0]); };
  EXPECT_GRADCHECK(fn, with_params(rand64(input_shape, 1), m)) << what;
}

TEST(LayersGradcheck, Linear) {
  nn::Linear m(5, 3);
  gradcheck_module(m, {4, 5}, "Linear");
  nn::Linear nb(5, 2, {.bias = false});
  gradcheck_module(nb, {2, 3, 5}, "Linear without bias, 3-D input");
}

TEST(LayersGradcheck, Conv) {
  nn::Conv2d c(2, 4, 3, {.stride = 2, .padding = 1, .groups = 2});
  gradcheck_module(c, {2, 2, 5, 4}, "Conv2d");
  nn::ConvTranspose2d t(2, 3, {2, 3}, {.stride = 2, .padding = {0, 1}});
  gradcheck_module(t, {1, 2, 3, 3}, "ConvTranspose2d");
}

TEST(LayersGradcheck, Maxout) {
  nn::Maxout m(4, 3, 2);
  gradcheck_module(m, {5, 4}, "Maxout");
  nn::ChannelMaxout c(2);
  gradcheck_module(c, {2, 6, 2, 3}, "ChannelMaxout");
}

TEST(LayersGradcheck, Norms) {
  nn::BatchNorm1d bn(3);
  gradcheck_module(bn, {5, 3}, "BatchNorm1d train");
  bn.eval();
  gradcheck_module(bn, {5, 3}, "BatchNorm1d eval");
  nn::LayerNorm ln({2, 3});
  gradcheck_module(ln, {4, 2, 3}, "LayerNorm");
  nn::InstanceNorm2d in(2, {.affine = true});
  gradcheck_module(in, {2, 2, 3, 3}, "InstanceNorm2d");
  nn::GroupNorm gn(2, 4);
  gradcheck_module(gn, {2, 4, 2, 2}, "GroupNorm");
}

TEST(LayersGradcheck, ActivationsPoolingShape) {
  nn::Sigmoid sg;
  gradcheck_module(sg, {3, 4}, "Sigmoid");
  nn::Tanh th;
  gradcheck_module(th, {3, 4}, "Tanh");
  nn::LeakyReLU lr(0.2);
  gradcheck_module(lr, {3, 4}, "LeakyReLU");
  nn::GELU ge;
  gradcheck_module(ge, {3, 4}, "GELU");
  nn::GELU gt("tanh");
  gradcheck_module(gt, {3, 4}, "GELU tanh");
  nn::Softmax sm(1);
  gradcheck_module(sm, {3, 4}, "Softmax");
  nn::LogSoftmax ls(0);
  gradcheck_module(ls, {3, 4}, "LogSoftmax");
  nn::AvgPool2d ap(2, {.stride = 1, .padding = 1});
  gradcheck_module(ap, {1, 2, 3, 3}, "AvgPool2d");
  nn::MaxPool2d mp(2, {.stride = 1});
  gradcheck_module(mp, {1, 2, 3, 4}, "MaxPool2d");
  nn::AdaptiveAvgPool2d aap({2, 3});
  gradcheck_module(aap, {1, 2, 5, 4}, "AdaptiveAvgPool2d");
  nn::AdaptiveMaxPool2d amp({2, 1});
  gradcheck_module(amp, {1, 2, 5, 3}, "AdaptiveMaxPool2d");
  nn::Flatten fl;
  gradcheck_module(fl, {2, 3, 2}, "Flatten");
  nn::Residual res(nn::Sequential{nn::Linear(3, 3), nn::Tanh()});
  gradcheck_module(res, {2, 3}, "Residual");
}

// ---- shapes and behaviour ----

TEST(Layers, ShapesAndOptions) {
  EXPECT_EQ(nn::Conv2d(3, 8, 3, {.stride = 2, .padding = 1})(Tensor::zeros({2, 3, 32, 31})).shape(),
            (Shape{2, 8, 16, 16}));
  EXPECT_EQ(nn::Conv2d(3, 8, 3, {.dilation = 2})(Tensor::zeros({1, 3, 9, 9})).shape(),
            (Shape{1, 8, 5, 5}));
  EXPECT_EQ(nn::ConvTranspose2d(8, 3, 4, {.stride = 2, .padding = 1})(Tensor::zeros({1, 8, 5, 5}))
                .shape(),
            (Shape{1, 3, 10, 10}));
  EXPECT_EQ(nn::MaxPool2d(3, {.stride = 2, .ceil_mode = true})(Tensor::zeros({1, 1, 8, 8})).shape(),
            (Shape{1, 1, 4, 4}));
  EXPECT_EQ(nn::AdaptiveAvgPool2d({3, 2})(Tensor::zeros({2, 5, 7, 9})).shape(),
            (Shape{2, 5, 3, 2}));
  EXPECT_EQ(nn::Flatten()(Tensor::zeros({2, 3, 4, 5})).shape(), (Shape{2, 60}));
  EXPECT_EQ(nn::Flatten(2)(Tensor::zeros({2, 3, 4, 5})).shape(), (Shape{2, 3, 20}));
  EXPECT_EQ(nn::Maxout(10, 4, 5)(Tensor::zeros({3, 10})).shape(), (Shape{3, 4}));
  EXPECT_EQ(nn::Maxout(10, 4, 5).num_parameters(), 10 * 20 + 20);
  EXPECT_EQ(nn::ChannelMaxout(2)(Tensor::zeros({1, 6, 3, 3})).shape(), (Shape{1, 3, 3, 3}));
}

TEST(Layers, MaxoutTakesTheGroupMaximum) {
  Tensor x = Tensor::from_vector(std::vector<float>{1, 5, 2, -1, -3, -2, 0, 0, 7}, {1, 9});
  Tensor y = maxout(x, 3, 1);
  EXPECT_TRUE(all_close(y, Tensor::from_vector(std::vector<float>{5, -1, 7}, {1, 3}), 0, 0));
  EXPECT_THROW(maxout(x, 4, 1), Error);
}

// nn::GELU is the op with its approximation fixed at construction, printed as PyTorch does.
TEST(Layers, GeluModuleAppliesItsApproximationAndPrintsIt) {
  const Tensor x = Tensor::from_vector(std::vector<float>{-2, -0.5, 0, 1, 3}, {5});
  nn::GELU exact, approx("tanh");
  EXPECT_TRUE(all_close(exact(x), gelu(x), 0, 0));
  EXPECT_TRUE(all_close(approx(x), gelu(x, GeluApproximate::Tanh), 0, 0));
  EXPECT_FALSE(all_close(exact(x), approx(x), 0, 1e-6));
  EXPECT_EQ(approx.approximate(), GeluApproximate::Tanh);
  EXPECT_EQ(exact.extra_repr(), "approximate='none'");
  nn::Sequential net{nn::Linear(2, 2), nn::GELU(GeluApproximate::Tanh)};
  EXPECT_NE(nn::to_string(net).find("(1): GELU(approximate='tanh')"), std::string::npos)
      << nn::to_string(net);
  EXPECT_EQ(net.num_parameters(), 6);  // GELU adds none
  EXPECT_THROW(nn::GELU("fast"), Error);
}

TEST(Layers, ErrorsNameTheLayerAndShapes) {
  nn::Linear lin(4, 3);
  try {
    lin(Tensor::zeros({2, 5}));
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("Linear"), std::string::npos) << m;
    EXPECT_NE(m.find("[2, 5]"), std::string::npos) << m;
  }
  EXPECT_THROW(lin(Tensor::zeros({2, 4, 4, 5})), Error);
  EXPECT_THROW(nn::Conv2d(3, 8, 3, {.groups = 2}), Error);
  EXPECT_THROW(nn::Conv2d(3, 8, 0), Error);
  EXPECT_THROW(nn::Conv2d(3, 8, 3)(Tensor::zeros({1, 4, 8, 8})), Error);
  EXPECT_THROW(nn::MaxPool2d(0), Error);
  EXPECT_THROW(nn::Maxout(4, 3, 0), Error);
}

}  // namespace
}  // namespace nabla
