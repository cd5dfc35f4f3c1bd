// The padding op three ways: against a plain reference loop (written independently, bouncing
// indices back step by step), by finite differences (gradcheck in float64), and against
// torch.nn.functional.pad (tests/fixtures/pad.safetensors, scripts/fixtures/make_pad_fixture.py);
// plus the errors for pads PyTorch refuses.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nabla/autograd/gradcheck.hpp"
#include "nabla/autograd/node.hpp"
#include "nabla/ops/pad.hpp"
#include "nabla/ops/shape.hpp"
#include "tests/support/fixtures.hpp"

namespace nabla {
namespace {

using test::all_close;
using test::fixture_get;

// Source index of padded position i (already shifted by the left pad) in a dim of size n.
int64_t ref_source(int64_t i, int64_t n, PadMode mode) {
  if (mode == PadMode::Replicate) return i < 0 ? 0 : i >= n ? n - 1 : i;
  if (mode == PadMode::Circular) {
    while (i < 0) i += n;
    while (i >= n) i -= n;
    return i;
  }
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * (n - 1) - i;  // reflect: bounce off the edges
  return i;
}

// Plain loops over a contiguous float64 copy; returns y and the gradient of sum(y * gy).
struct RefResult {
  Tensor y, gx;
};
RefResult ref_pad(const Tensor& x, const std::vector<int64_t>& pads, PadMode mode,
                  const Tensor& gy) {
  const Tensor xc = x.detach().to(DType::Float64).contiguous();
  const int64_t k = static_cast<int64_t>(pads.size()) / 2, nd = x.dim();
  Shape ys = x.shape();
  for (int64_t j = 0; j < k; ++j) ys[nd - 1 - j] += pads[2 * j] + pads[2 * j + 1];
  std::vector<double> xv = xc.to_vector<double>(), yv(shape_numel(ys)), gv = gy.to_vector<double>();
  std::vector<double> gx(xv.size(), 0.0);
  Shape idx(nd, 0);
  for (int64_t flat = 0; flat < static_cast<int64_t>(yv.size()); ++flat) {
    int64_t rem = flat, src = 0, stride = 1;
    for (int64_t d = nd - 1; d >= 0; --d) {
      idx[d] = rem % ys[d];
      rem /= ys[d];
    }
    for (int64_t d = nd - 1; d >= 0; --d) {
      const int64_t j = nd - 1 - d;
      const int64_t i = j < k ? ref_source(idx[d] - pads[2 * j], x.size(d), mode) : idx[d];
      src += i * stride;
      stride *= x.size(d);
    }
    yv[flat] = xv[src];
    gx[src] += gv[flat];
  }
  return {Tensor::from_vector(yv, ys), Tensor::from_vector(gx, x.shape())};
}

struct Case {
  Shape x;
  std::vector<int64_t> pads;
};
const std::vector<Case> kCases = {
    {{1, 1, 1}, {0, 0}},  // nothing to pad
    {{2, 3, 5}, {2, 1}},
    {{3, 5}, {4, 0}},  // no batch dim; the largest reflect pad
    {{1, 2, 4, 5}, {1, 3, 2, 0}},
    {{2, 1, 3, 4}, {3, 3, 2, 2}},
    {{1, 1, 3, 4, 5}, {1, 2, 0, 3, 2, 1}},
    {{2, 3, 4}, {0, 2, 1, 3}},  // 2-D pad of a 3-D input (C, H, W)
};

const std::vector<PadMode> kModes = {PadMode::Reflect, PadMode::Replicate, PadMode::Circular};

bool fits(const Case& c, PadMode mode) {
  const int64_t k = static_cast<int64_t>(c.pads.size()) / 2;
  for (int64_t j = 0; j < k; ++j) {
    const int64_t n = c.x[c.x.size() - 1 - j], most = std::max(c.pads[2 * j], c.pads[2 * j + 1]);
    if (mode == PadMode::Reflect && most >= n) return false;
    if (mode == PadMode::Circular && most > n) return false;
  }
  return true;
}

TEST(Pad, MatchesTheReferenceLoop) {
  Generator gen(3);
  for (PadMode mode : kModes)
    for (const Case& c : kCases) {
      if (!fits(c, mode)) continue;
      SCOPED_TRACE(std::string(pad_mode_name(mode)) + " " + shape_str(c.x));
      for (DType dt : {DType::Float32, DType::Float64}) {
        Tensor x = Tensor::randn(c.x, dt, &gen).set_requires_grad(true);
        Tensor y = pad(x, c.pads, mode);
        const Tensor gy = Tensor::randn(y.shape(), dt, &gen);
        const RefResult ref = ref_pad(x, c.pads, mode, gy);
        EXPECT_TRUE(all_close(y, ref.y, 0, 0));  // a copy: exact
        auto g = autograd::grad(y, {x}, gy);
        EXPECT_TRUE(all_close(g[0], ref.gx, 1e-6, 1e-6));
      }
    }
}

TEST(Pad, NonContiguousInput) {
  Generator gen(4);
  const Tensor base = Tensor::randn({2, 5, 4}, DType::Float64, &gen);
  const Tensor x = transpose(base, 1, 2);  // (2, 4, 5), strided
  for (PadMode mode : kModes) {
    const Tensor gy = Tensor::ones({2, 4 + 3, 5 + 5}, DType::Float64);
    EXPECT_TRUE(all_close(pad(x, {2, 3, 1, 2}, mode), ref_pad(x, {2, 3, 1, 2}, mode, gy).y, 0, 0))
        << pad_mode_name(mode);
  }
}

TEST(Pad, Gradcheck) {
  for (PadMode mode : kModes)
    for (const Case& c : kCases) {
      if (!fits(c, mode)) continue;
      Generator gen(5);
      Tensor x = Tensor::randn(c.x, DType::Float64, &gen).set_requires_grad(true);
      auto r = autograd::gradcheck(
          [&](const std::vector<Tensor>& v) { return pad(v[0], c.pads, mode); }, {x});
      EXPECT_TRUE(r.ok) << pad_mode_name(mode) << " " << shape_str(c.x) << ": " << r.message;
    }
}

TEST(Pad, MatchesPyTorchFixtures) {
  const auto m = test::load_fixture("pad");
  int n = 0;
  for (; m.count("pad" + std::to_string(n) + ".x"); ++n) {
    const std::string p = "pad" + std::to_string(n) + ".";
    SCOPED_TRACE(p);
    const auto q = fixture_get(m, p + "params").to_vector<int64_t>();
    const auto mode = static_cast<PadMode>(q[0]);
    const std::vector<int64_t> pads(q.begin() + 1, q.end());
    const double value = fixture_get(m, p + "value").to_vector<double>()[0];
    Tensor x = fixture_get(m, p + "x").detach().set_requires_grad(true);
    Tensor y = pad(x, pads, mode, value);
    EXPECT_TRUE(all_close(y, fixture_get(m, p + "y"), 0, 0));
    auto g = autograd::grad(y, {x}, fixture_get(m, p + "gy"));
    EXPECT_TRUE(all_close(g[0], fixture_get(m, p + "gx"), 1e-12, 1e-12));
  }
  EXPECT_GE(n, 11);
}

void expect_error(const std::function<void()>& fn, const std::string& part) {
  try {
    fn();
    ADD_FAILURE() << "expected an error containing '" << part << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(Pad, ErrorsLikePyTorch) {
  const Tensor x = Tensor::zeros({1, 1, 3, 3});
  expect_error([&] { pad(x, {3, 3}, PadMode::Reflect); }, "smaller than the padded dim");
  expect_error([&] { pad(x, {0, 0, 1, 3}, PadMode::Reflect); }, "use less padding");
  expect_error([&] { pad(x, {4, 0}, PadMode::Circular); }, "wrap around at most once");
  expect_error([&] { pad(x, {-1, 0}, PadMode::Replicate); }, ">= 0");
  expect_error([&] { pad(x, {1, 1, 1}, PadMode::Replicate); }, "2, 4 or 6 values");
  expect_error([&] { pad(x, {1, 1, 1, 1, 1, 1, 1, 1}, PadMode::Replicate); }, "2, 4 or 6 values");
  expect_error(
      [&] {
        pad(Tensor::zeros({3}), {1, 1, 1, 1}, PadMode::Replicate);
      },
      "at least 2 dims");
  expect_error([&] { pad(Tensor::zeros({2, 0}), {1, 1}, PadMode::Replicate); }, "non-empty");
  expect_error([&] { pad(Tensor::zeros({2}, DType::Int64), {1, 1}, PadMode::Reflect); }, "float");
  // constant mode is the existing zero/constant pad
  EXPECT_EQ(pad(x, {1, 1}, PadMode::Constant, 2.0).size(3), 5);
}

}  // namespace
}  // namespace nabla
