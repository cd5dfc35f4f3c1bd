// Convolution ops: PyTorch fixtures (forward and gradients for input, weight and bias), gradcheck
// in float64 for conv2d / conv1d / conv_transpose2d variants, output shapes against the notes'
// formula, graph behaviour (no dX for an image that needs none), and the errors bad shapes raise.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "nabla/autograd/gradcheck.hpp"
#include "nabla/autograd/node.hpp"
#include "nabla/ops/conv.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"
#include "tests/support/fixtures.hpp"

namespace nabla {
namespace {

using test::all_close;
using test::fixture_get;
using test::load_fixture;

std::string key(int i, const char* what) {
  std::ostringstream os;
  os << "c" << i << "." << what;
  return os.str();
}

int case_count(const io::TensorMap& m) {
  int n = 0;
  while (m.count(key(n, "x"))) ++n;
  return n;
}

std::vector<int64_t> params_of(const io::TensorMap& m, int i) {
  return fixture_get(m, key(i, "params")).to_vector<int64_t>();
}

// Runs op on the fixture's x, w (and b) and checks y and the gradients of sum(y * gy).
void check_fixture_case(
    const io::TensorMap& m, int i, bool has_bias, double tol,
    const std::function<Tensor(const Tensor&, const Tensor&, const Tensor&)>& op) {
  SCOPED_TRACE(::testing::Message() << "case " << i);
  Tensor x = fixture_get(m, key(i, "x")).detach().set_requires_grad(true);
  Tensor w = fixture_get(m, key(i, "w")).detach().set_requires_grad(true);
  Tensor b = has_bias ? fixture_get(m, key(i, "b")).detach().set_requires_grad(true) : Tensor();
  Tensor y = op(x, w, b);
  ASSERT_TRUE(all_close(y, fixture_get(m, key(i, "y")), tol, tol));
  std::vector<Tensor> inputs{x, w};
  if (has_bias) inputs.push_back(b);
  auto grads = autograd::grad(y, inputs, fixture_get(m, key(i, "gy")));
  EXPECT_TRUE(all_close(grads[0], fixture_get(m, key(i, "gx")), tol, tol)) << "input gradient";
  EXPECT_TRUE(all_close(grads[1], fixture_get(m, key(i, "gw")), tol, tol)) << "weight gradient";
  if (has_bias) {
    EXPECT_TRUE(all_close(grads[2], fixture_get(m, key(i, "gb")), tol, tol)) << "bias gradient";
  }
}

TEST(Conv, Conv2dMatchesPyTorchFixtures) {
  const auto m = load_fixture("conv2d");
  ASSERT_GE(case_count(m), 7);
  for (int i = 0; i < case_count(m); ++i) {
    const auto q = params_of(m, i);
    Conv2dFuncOptions o{.stride = {q[0], q[1]},
                        .padding = {q[2], q[3], q[4], q[5]},
                        .dilation = {q[6], q[7]},
                        .groups = q[8]};
    check_fixture_case(m, i, q[9] != 0, q[10] ? 1e-4 : 1e-9,
                       [&](const Tensor& x, const Tensor& w, const Tensor& b) {
                         Tensor y = conv2d(x, w, b, o);
                         EXPECT_EQ(y.shape(), conv2d_output_shape(x.shape(), w.shape(), o));
                         return y;
                       });
  }
}

TEST(Conv, Conv1dMatchesPyTorchFixtures) {
  const auto m = load_fixture("conv1d");
  ASSERT_GE(case_count(m), 3);
  for (int i = 0; i < case_count(m); ++i) {
    const auto q = params_of(m, i);
    Conv1dFuncOptions o{.stride = q[0], .padding = q[1], .dilation = q[2], .groups = q[3]};
    check_fixture_case(
        m, i, q[4] != 0, 1e-9,
        [&](const Tensor& x, const Tensor& w, const Tensor& b) { return conv1d(x, w, b, o); });
  }
}

TEST(Conv, ConvTranspose2dMatchesPyTorchFixtures) {
  const auto m = load_fixture("conv_transpose2d");
  ASSERT_GE(case_count(m), 5);
  for (int i = 0; i < case_count(m); ++i) {
    const auto q = params_of(m, i);
    ConvTranspose2dFuncOptions o{.stride = {q[0], q[1]},
                                 .padding = {q[2], q[3]},
                                 .output_padding = {q[4], q[5]},
                                 .dilation = {q[6], q[7]},
                                 .groups = q[8]};
    check_fixture_case(m, i, q[9] != 0, q[10] ? 1e-4 : 1e-9,
                       [&](const Tensor& x, const Tensor& w, const Tensor& b) {
                         Tensor y = conv_transpose2d(x, w, b, o);
                         EXPECT_EQ(y.shape(),
                                   conv_transpose2d_output_shape(x.shape(), w.shape(), o));
                         return y;
                       });
  }
}

Tensor rnd(const Shape& s, uint64_t seed) {
  Generator gen(seed);
  return Tensor::randn(s, DType::Float64, &gen).set_requires_grad(true);
}

struct Conv2dCase {
  const char* name;
  Shape x, w;
  Conv2dFuncOptions o;
  bool bias;
};

const std::vector<Conv2dCase>& conv2d_cases() {
  static const std::vector<Conv2dCase> cases = {
      {"plain", {2, 2, 5, 5}, {3, 2, 3, 3}, {}, true},
      {"stride_padding", {1, 2, 7, 6}, {2, 2, 3, 3}, {.stride = 2, .padding = 1}, true},
      {"asymmetric_padding", {2, 1, 5, 4}, {2, 1, 2, 3}, {.padding = {0, 2, 1, 0}}, true},
      {"dilation", {1, 2, 7, 7}, {2, 2, 3, 2}, {.padding = {2, 1}, .dilation = {2, 3}}, false},
      {"groups", {2, 4, 5, 4}, {6, 2, 3, 3}, {.stride = {1, 2}, .padding = 1, .groups = 2}, true},
      {"depthwise", {1, 3, 6, 5}, {3, 1, 3, 3}, {.padding = 1, .groups = 3}, true},
      {"pointwise", {2, 3, 4, 3}, {2, 3, 1, 1}, {}, true},
      {"padding_beyond_reach", {1, 1, 3, 2}, {2, 1, 2, 2}, {.stride = 2, .padding = 3}, true},
      {"unbatched", {2, 5, 4}, {2, 2, 3, 2}, {.padding = {1, 0}}, true},
  };
  return cases;
}

TEST(Conv, Conv2dGradcheck) {
  for (const auto& c : conv2d_cases()) {
    SCOPED_TRACE(c.name);
    std::vector<Tensor> in{rnd(c.x, 1), rnd(c.w, 2)};
    if (c.bias) in.push_back(rnd({c.w[0]}, 3));
    auto r = autograd::gradcheck(
        [&](const std::vector<Tensor>& v) {
          return conv2d(v[0], v[1], c.bias ? v[2] : Tensor(), c.o);
        },
        in);
    EXPECT_TRUE(r.ok) << r.message;
  }
}

TEST(Conv, Conv2dOutputShapeFollowsTheFormula) {
  for (const auto& c : conv2d_cases()) {
    SCOPED_TRACE(c.name);
    const bool batched = c.x.size() == 4;
    const int64_t h = c.x[batched ? 2 : 1], w = c.x[batched ? 3 : 2];
    const auto& p = c.o.padding;
    const int64_t oh =
        (h + p.top + p.bottom - c.o.dilation.h * (c.w[2] - 1) - 1) / c.o.stride.h + 1;
    const int64_t ow =
        (w + p.left + p.right - c.o.dilation.w * (c.w[3] - 1) - 1) / c.o.stride.w + 1;
    Shape want = batched ? Shape{c.x[0], c.w[0], oh, ow} : Shape{c.w[0], oh, ow};
    Tensor y = conv2d(rnd(c.x, 4).detach(), rnd(c.w, 5).detach(), Tensor(), c.o);
    EXPECT_EQ(y.shape(), want);
    EXPECT_EQ(conv2d_output_shape(c.x, c.w, c.o), want);
  }
  // the notes' examples: 32x32, 5x5 kernel -> 28x28; "same" 3x3 with padding 1; stride 2 halves
  EXPECT_EQ(conv2d_output_size(32, 5), 28);
  EXPECT_EQ(conv2d_output_size(56, 3, 1, 1), 56);
  EXPECT_EQ(conv2d_output_size(56, 3, 2, 1), 28);
  EXPECT_EQ(conv2d_output_size(56, 3, 1, 2, 2), 56);     // dilation 2 needs padding 2 to keep size
  EXPECT_EQ(conv2d_output_size(10, 3, 1, 0, 2, 1), 10);  // asymmetric 0 + 2
  EXPECT_EQ(conv_transpose2d_output_size(28, 4, 2, 1), 56);
  EXPECT_EQ(conv_transpose2d_output_size(5, 3, 2, 1, 1, 1), 10);
}

TEST(Conv, Conv1dGradcheck) {
  struct Case {
    Shape x, w;
    Conv1dFuncOptions o;
    bool bias;
  };
  const std::vector<Case> cases = {
      {{2, 3, 7}, {2, 3, 3}, {.padding = 1}, true},
      {{1, 4, 9}, {4, 2, 2}, {.stride = 2, .dilation = 2, .groups = 2}, false},
      {{3, 6}, {2, 3, 4}, {.padding = 2}, true},  // unbatched (C, L)
  };
  for (const auto& c : cases) {
    std::vector<Tensor> in{rnd(c.x, 6), rnd(c.w, 7)};
    if (c.bias) in.push_back(rnd({c.w[0]}, 8));
    auto r = autograd::gradcheck(
        [&](const std::vector<Tensor>& v) {
          return conv1d(v[0], v[1], c.bias ? v[2] : Tensor(), c.o);
        },
        in);
    EXPECT_TRUE(r.ok) << r.message;
    const int64_t l = c.x.back();
    const int64_t ol = (l + 2 * c.o.padding - c.o.dilation * (c.w[2] - 1) - 1) / c.o.stride + 1;
    EXPECT_EQ(conv1d(in[0].detach(), in[1].detach(), Tensor(), c.o).size(-1), ol);
  }
}

TEST(Conv, ConvTranspose2dGradcheckAndShape) {
  struct Case {
    Shape x, w;
    ConvTranspose2dFuncOptions o;
    bool bias;
  };
  const std::vector<Case> cases = {
      {{2, 2, 3, 3}, {2, 3, 3, 3}, {}, true},
      {{1, 2, 3, 4}, {2, 2, 4, 4}, {.stride = 2, .padding = 1}, true},
      {{1, 3, 3, 2},
       {3, 2, 3, 2},
       {.stride = {2, 3}, .padding = {1, 0}, .output_padding = {1, 2}},
       false},
      {{2, 4, 2, 3}, {4, 1, 2, 3}, {.padding = {0, 1}, .dilation = {2, 1}, .groups = 2}, true},
      {{1, 2, 3, 3}, {2, 2, 2, 2}, {.output_padding = 1, .dilation = 2}, true},  // op < dilation
      {{2, 3, 3}, {2, 2, 3, 3}, {.stride = 2}, true},                            // unbatched
  };
  for (const auto& c : cases) {
    std::vector<Tensor> in{rnd(c.x, 9), rnd(c.w, 10)};
    const int64_t k = c.w[1] * c.o.groups;
    if (c.bias) in.push_back(rnd({k}, 11));
    auto r = autograd::gradcheck(
        [&](const std::vector<Tensor>& v) {
          return conv_transpose2d(v[0], v[1], c.bias ? v[2] : Tensor(), c.o);
        },
        in);
    EXPECT_TRUE(r.ok) << r.message;
    const bool batched = c.x.size() == 4;
    const int64_t h = c.x[batched ? 2 : 1], w = c.x[batched ? 3 : 2];
    const int64_t oh = (h - 1) * c.o.stride.h - 2 * c.o.padding.h + c.o.dilation.h * (c.w[2] - 1) +
                       c.o.output_padding.h + 1;
    const int64_t ow = (w - 1) * c.o.stride.w - 2 * c.o.padding.w + c.o.dilation.w * (c.w[3] - 1) +
                       c.o.output_padding.w + 1;
    Tensor y = conv_transpose2d(in[0].detach(), in[1].detach(), Tensor(), c.o);
    EXPECT_EQ(y.size(-2), oh);
    EXPECT_EQ(y.size(-1), ow);
    EXPECT_EQ(y.size(-3), k);
    EXPECT_EQ(conv_transpose2d_output_shape(c.x, c.w, c.o), y.shape());
  }
}

TEST(Conv, ConvTransposeIsTheAdjointOfConv) {
  // <conv2d(x, w), y> == <x, conv_transpose2d(y, w)> for matching options: the "deconvolution"
  // of the notes really is the transpose of the convolution's linear map
  Tensor x = rnd({2, 3, 9, 8}, 12).detach(), w = rnd({4, 3, 3, 3}, 13).detach();
  Conv2dFuncOptions co{.stride = 2, .padding = 1};
  Tensor y = rnd(conv2d_output_shape(x.shape(), w.shape(), co), 14).detach();
  ConvTranspose2dFuncOptions to{.stride = 2, .padding = 1, .output_padding = {0, 1}};
  Tensor xt = conv_transpose2d(y, w, Tensor(), to);
  ASSERT_EQ(xt.shape(), x.shape());
  const double lhs = sum(conv2d(x, w, Tensor(), co) * y).item();
  const double rhs = sum(x * xt).item();
  EXPECT_NEAR(lhs, rhs, 1e-9 * (1 + std::abs(lhs)));
}

TEST(Conv, Float32MatchesFloat64) {
  Tensor x = rnd({3, 4, 10, 9}, 15).detach(), w = rnd({8, 2, 3, 3}, 16).detach();
  Tensor b = rnd({8}, 17).detach();
  Conv2dFuncOptions o{.stride = {1, 2}, .padding = {1, 2, 0, 1}, .groups = 2};
  Tensor y64 = conv2d(x, w, b, o);
  Tensor y32 = conv2d(x.to(DType::Float32), w.to(DType::Float32), b.to(DType::Float32), o);
  EXPECT_EQ(y32.dtype(), DType::Float32);
  EXPECT_TRUE(all_close(y32.to(DType::Float64), y64, 1e-4, 1e-4));
}

TEST(Conv, NonContiguousInputsGiveTheSameResult) {
  Tensor x = rnd({2, 3, 6, 5}, 18).detach(), w = rnd({4, 3, 3, 3}, 19).detach();
  Tensor xt = contiguous(x.transpose(2, 3)).transpose(2, 3);  // same values, other strides
  ASSERT_FALSE(xt.is_contiguous());
  EXPECT_TRUE(all_close(conv2d(xt, w, Tensor(), {.padding = 1}),
                        conv2d(x, w, Tensor(), {.padding = 1}), 1e-12, 1e-12));
}

TEST(Conv, OnlyRequestedGradientsAreComputed) {
  Tensor x = rnd({2, 1, 8, 8}, 20).detach();  // an image: needs no gradient
  Tensor w = rnd({3, 1, 3, 3}, 21), b = rnd({3}, 22);
  Tensor y = conv2d(x, w, b, {.padding = 1});
  sum(y).backward();
  EXPECT_FALSE(x.grad().defined());
  EXPECT_TRUE(w.grad().defined());
  ASSERT_TRUE(b.grad().defined());
  // d sum(y) / d b[k] = number of output positions
  EXPECT_NEAR(b.grad().at({0}), 2 * 8 * 8, 1e-9);
  autograd::NoGradGuard guard;
  EXPECT_FALSE(conv2d(x, w, b).requires_grad());
}

TEST(Conv, EmptyBatchGivesAnEmptyOutput) {
  Tensor x = Tensor::zeros({0, 3, 8, 8}), w = rnd({4, 3, 3, 3}, 23).detach().to(DType::Float32);
  w.set_requires_grad(true);
  Tensor y = conv2d(x, w, Tensor(), {.padding = 1});
  EXPECT_EQ(y.shape(), (Shape{0, 4, 8, 8}));
  sum(y).backward();
  ASSERT_TRUE(w.grad().defined());
  EXPECT_EQ(sum(abs(w.grad())).item(), 0.0);
}

template <class F>
void expect_error(F&& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "expected nabla::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const auto& p : parts)
      EXPECT_NE(msg.find(p), std::string::npos) << msg << " lacks '" << p << "'";
  }
}

TEST(Conv, PaddingSameIsPyTorchsAsymmetricSplit) {
  // total D(K-1) per axis; the odd one goes to the bottom/right (F.conv2d(padding='same'))
  EXPECT_EQ(conv2d_explicit_padding(kPaddingSame, {3, 4}, 1, 1), Conv2dPadding(1, 1, 1, 2));
  EXPECT_EQ(conv2d_explicit_padding(kPaddingSame, {2, 5}, 1, {3, 2}), Conv2dPadding(1, 2, 4, 4));
  EXPECT_EQ(conv2d_explicit_padding(Conv2dPadding(1, 2), 3, 2, 1), Conv2dPadding(1, 2));
  const Tensor x = rnd({2, 3, 6, 7}, 11), w = rnd({4, 3, 2, 4}, 12);
  const Tensor same = conv2d(x, w, Tensor(), {.padding = kPaddingSame});
  EXPECT_EQ(same.shape(), (Shape{2, 4, 6, 7}));
  EXPECT_TRUE(all_close(same, conv2d(x, w, Tensor(), {.padding = {0, 1, 1, 2}}), 0, 0));
  EXPECT_EQ(conv2d_output_shape({3, 6, 7}, w.shape(), {.padding = kPaddingSame}), (Shape{4, 6, 7}));
  try {
    conv2d(x, w, Tensor(), {.stride = {1, 2}, .padding = kPaddingSame});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("padding \"same\" needs stride 1"), std::string::npos)
        << e.what();
  }
}

TEST(Conv, BadShapesThrowNamedErrors) {
  Tensor x = Tensor::zeros({2, 3, 8, 8}), w = Tensor::zeros({4, 3, 3, 3});
  expect_error(
      [&] {
        conv2d(x, Tensor::zeros({4, 2, 3, 3}));
      },
      {"conv2d", "channel mismatch", "[2, 3, 8, 8]", "expects 2"});
  expect_error(
      [&] {
        conv2d(x, Tensor::zeros({4, 3, 9, 9}));
      },
      {"conv2d", "larger than the padded input"});
  expect_error(
      [&] {
        conv2d(x, Tensor::zeros({4, 1, 3, 3}), Tensor(), {.groups = 2});
      },
      {"conv2d", "divisible by groups"});
  expect_error(
      [&] {
        conv2d(Tensor::zeros({2, 4, 8, 8}), Tensor::zeros({3, 2, 3, 3}), Tensor(), {.groups = 2});
      },
      {"conv2d", "out_channels", "divisible by groups"});
  expect_error([&] { conv2d(x, w, Tensor::zeros({3})); }, {"conv2d", "bias of shape (4)"});
  expect_error([&] { conv2d(Tensor::zeros({8, 8}), w); }, {"conv2d", "(N, C, H, W)"});
  expect_error([&] { conv2d(x, Tensor::zeros({4, 3, 3})); }, {"conv2d", "weight of shape"});
  expect_error([&] { conv2d(x, w, Tensor(), {.stride = 0}); }, {"conv2d", "stride >= 1"});
  expect_error([&] { conv2d(x, w, Tensor(), {.padding = -1}); }, {"conv2d", "padding >= 0"});
  expect_error([&] { conv2d(x, w.to(DType::Float64)); }, {"conv2d", "dtype"});
  expect_error(
      [&] {
        conv2d(Tensor::zeros({2, 3, 8, 8}, DType::Int64),
               Tensor::zeros({4, 3, 3, 3}, DType::Int64));
      },
      {"conv2d", "float32 or float64"});
  expect_error(
      [&] {
        conv1d(Tensor::zeros({2, 3, 4}), Tensor::zeros({2, 2, 3}));
      },
      {"conv1d", "channel mismatch"});
  expect_error(
      [&] {
        conv1d(Tensor::zeros({2, 3, 2}), Tensor::zeros({2, 3, 5}));
      },
      {"conv1d", "larger than"});
  expect_error(
      [&] {
        conv_transpose2d(x, Tensor::zeros({4, 2, 3, 3}));
      },
      {"conv_transpose2d", "channel mismatch"});
  expect_error(
      [&] {
        conv_transpose2d(x, Tensor::zeros({3, 2, 3, 3}), Tensor(), {.output_padding = 1});
      },
      {"conv_transpose2d", "output_padding"});
  expect_error(
      [&] {
        conv_transpose2d(Tensor::zeros({1, 3, 1, 1}), Tensor::zeros({3, 2, 1, 1}), Tensor(),
                         {.padding = 1});
      },
      {"conv_transpose2d", "too large"});
  expect_error(
      [&] {
        conv2d_output_shape({2, 3, 8, 8}, {4, 5, 3, 3});
      },
      {"conv2d", "channel mismatch"});
}

}  // namespace
}  // namespace nabla
