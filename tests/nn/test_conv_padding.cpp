// Conv1d / Conv2d with padding_mode (zeros, reflect, replicate, circular) and padding = "same"
// against torch.nn.Conv1d / Conv2d built with the same weights (tests/fixtures/pad.safetensors,
// scripts/fixtures/make_pad_fixture.py): forward values and the input, weight and bias gradients;
// a gradcheck through each mode; the errors PyTorch gives for bad combinations.
#include <gtest/gtest.h>

#include <string>

#include "nabla/nn/conv.hpp"
#include "nabla/ops/pad.hpp"
#include "tests/nn/nn_test_util.hpp"

namespace nabla {
namespace {

using test::all_close;
using test::fixture_get;

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ConvPadding, MatchesPyTorchModules) {
  const auto f = test::load_fixture("pad");
  int n = 0;
  for (; f.count("conv" + std::to_string(n) + ".x"); ++n) {
    const std::string p = "conv" + std::to_string(n) + ".";
    SCOPED_TRACE(p);
    // [dims, mode, same, ph, pw, kh, kw, sh, sw, dh, dw, groups]
    const auto q = fixture_get(f, p + "params").to_vector<int64_t>();
    const auto mode = static_cast<nn::PaddingMode>(q[1]);
    const Tensor& w = fixture_get(f, p + "w");
    std::shared_ptr<nn::Module> m;
    if (q[0] == 1) {
      nn::Conv1dOptions o{.stride = q[8], .dilation = q[10], .groups = q[11], .padding_mode = mode};
      o.padding = q[2] ? nn::Conv1dPadding(kPaddingSame) : nn::Conv1dPadding(q[4]);
      m = std::make_shared<nn::Conv1d>(w.size(1) * q[11], w.size(0), q[6], o);
    } else {
      nn::Conv2dOptions o{
          .stride = {q[7], q[8]}, .dilation = {q[9], q[10]}, .groups = q[11], .padding_mode = mode};
      o.padding = q[2] ? Conv2dPadding(kPaddingSame) : Conv2dPadding(q[3], q[4]);
      m = std::make_shared<nn::Conv2d>(w.size(1) * q[11], w.size(0), Size2(q[5], q[6]), o);
    }
    m->to(DType::Float64);
    m->load_state_dict({{"weight", w}, {"bias", fixture_get(f, p + "b")}}, true);
    Tensor x = test::leaf(fixture_get(f, p + "x"));
    Tensor y = (*m)(x);
    ASSERT_TRUE(all_close(y, fixture_get(f, p + "y"), 1e-10, 1e-10));
    y.backward(fixture_get(f, p + "gy"));
    EXPECT_TRUE(all_close(x.grad(), fixture_get(f, p + "gx"), 1e-10, 1e-10)) << "input grad";
    EXPECT_TRUE(all_close(test::param(*m, "weight").grad(), fixture_get(f, p + "gw"), 1e-10, 1e-10))
        << "weight grad";
    EXPECT_TRUE(all_close(test::param(*m, "bias").grad(), fixture_get(f, p + "gb"), 1e-10, 1e-10))
        << "bias grad";
  }
  EXPECT_GE(n, 9);
}

TEST(ConvPadding, SameKeepsTheSizeWithEvenKernels) {
  for (int64_t k : {1, 2, 3, 4, 5}) {
    nn::Conv2d c(2, 3, {k, k + 1}, {.padding = kPaddingSame, .dilation = {1, 2}});
    EXPECT_EQ(c(Tensor::zeros({1, 2, 7, 6})).shape(), (Shape{1, 3, 7, 6})) << k;
    nn::Conv1d c1(2, 3, k, {.padding = kPaddingSame, .padding_mode = nn::PaddingMode::Reflect});
    EXPECT_EQ(c1(Tensor::zeros({2, 5})).shape(), (Shape{3, 5})) << k;  // unbatched (C, L)
  }
}

TEST(ConvPadding, Gradcheck) {
  for (auto mode : {nn::PaddingMode::Zeros, nn::PaddingMode::Reflect, nn::PaddingMode::Replicate,
                    nn::PaddingMode::Circular}) {
    nn::Conv2d c(2, 2, {3, 2}, {.padding = kPaddingSame, .padding_mode = mode});
    c.to(DType::Float64);
    Generator gen(1);
    Tensor x = Tensor::randn({1, 2, 4, 5}, DType::Float64, &gen).set_requires_grad(true);
    EXPECT_GRADCHECK([&](const std::vector<Tensor>& v) { return c(v[0]); }, std::vector<Tensor>{x})
        << nn::padding_mode_name(mode);
    nn::Conv1d c1(2, 2, 3, {.padding = 2, .padding_mode = mode});
    c1.to(DType::Float64);
    Tensor x1 = Tensor::randn({1, 2, 5}, DType::Float64, &gen).set_requires_grad(true);
    EXPECT_GRADCHECK([&](const std::vector<Tensor>& v) { return c1(v[0]); },
                     std::vector<Tensor>{x1})
        << nn::padding_mode_name(mode);
  }
}

TEST(ConvPadding, ClearErrors) {
  // PyTorch: "padding='same' is not supported for strided convolutions"
  EXPECT_NE(error_of([] {
              nn::Conv2d(1, 1, 3, {.stride = 2, .padding = kPaddingSame});
            }).find("padding \"same\" needs stride 1"),
            std::string::npos);
  EXPECT_NE(
      error_of([] { nn::Conv1d(1, 1, 3, {.stride = 2, .padding = kPaddingSame}); }).find("Conv1d"),
      std::string::npos);
  // reflect padding must be smaller than the input
  nn::Conv2d r(1, 1, 3, {.padding = 3, .padding_mode = nn::PaddingMode::Reflect});
  EXPECT_NE(error_of([&] {
              r(Tensor::zeros({1, 1, 3, 3}));
            }).find("use less padding"),
            std::string::npos);
  EXPECT_EQ(r(Tensor::zeros({1, 1, 4, 4})).shape(), (Shape{1, 1, 8, 8}));
  EXPECT_NE(error_of([] { nn::padding_mode_from_name("mirror"); }).find("reflect, replicate"),
            std::string::npos);
}

TEST(ConvPadding, ReprLikePyTorch) {
  nn::Conv2d c(1, 2, 3, {.padding = kPaddingSame, .padding_mode = nn::PaddingMode::Circular});
  EXPECT_NE(c.extra_repr().find("padding='same'"), std::string::npos) << c.extra_repr();
  EXPECT_NE(c.extra_repr().find("padding_mode='circular'"), std::string::npos);
  nn::Conv1d c1(1, 2, 3, {.padding = 1});
  EXPECT_EQ(c1.extra_repr(), "1, 2, kernel_size=3, stride=1, padding=1");
}

}  // namespace
}  // namespace nabla
