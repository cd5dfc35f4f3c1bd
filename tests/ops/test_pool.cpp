// Pooling ops: PyTorch fixtures (forward, input gradient, indices) for every variant, gradcheck
// in float64, output-shape helpers, (C,H,W) inputs, and the errors bad arguments raise.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "nabla/autograd/gradcheck.hpp"
#include "nabla/autograd/node.hpp"
#include "nabla/ops/pool.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"
#include "tests/support/fixtures.hpp"

namespace nabla {
namespace {

using test::all_close;
using test::fixture_get;
using test::load_fixture;

std::string key(int i, const char* what) {
  std::ostringstream os;  // (string operator+ trips a GCC 12 -Wrestrict false positive)
  os << "c" << i << "." << what;
  return os.str();
}

int case_count(const io::TensorMap& m) {
  int n = 0;
  while (m.count(key(n, "x"))) ++n;
  return n;
}

MaxPool2dFuncOptions max_options(const std::vector<int64_t>& q) {
  return {.kernel = {q[0], q[1]},
          .stride = Size2{q[2], q[3]},
          .padding = {q[4], q[5]},
          .dilation = {q[6], q[7]},
          .ceil_mode = q[8] != 0};
}

AvgPool2dFuncOptions avg_options(const std::vector<int64_t>& q) {
  AvgPool2dFuncOptions o{.kernel = {q[0], q[1]},
                         .stride = Size2{q[2], q[3]},
                         .padding = {q[4], q[5]},
                         .ceil_mode = q[6] != 0,
                         .count_include_pad = q[7] != 0};
  if (q[8] != 0) o.divisor_override = q[8];
  return o;
}

// Runs `op` on the fixture input in `dtype`, checks y and the gradient of sum(y * gy).
void check_case(const io::TensorMap& m, int i, DType dtype,
                const std::function<Tensor(const Tensor&)>& op, double tol) {
  SCOPED_TRACE(::testing::Message() << "case " << i << " " << dtype_name(dtype));
  Tensor x = fixture_get(m, key(i, "x")).to(dtype).detach();
  x.set_requires_grad(true);
  Tensor y = op(x);
  ASSERT_TRUE(all_close(y, fixture_get(m, key(i, "y")), tol, tol));
  Tensor gy = fixture_get(m, key(i, "gy")).to(dtype);
  auto grads = autograd::grad(y, {x}, gy);
  ASSERT_EQ(grads.size(), 1u);
  EXPECT_TRUE(all_close(grads[0], fixture_get(m, key(i, "gx")), tol, tol));
}

// ------------------------------------------------------------------ PyTorch fixtures

TEST(PoolFixtures, MaxPool2d) {
  auto m = load_fixture("pool_max");
  const int n = case_count(m);
  ASSERT_GE(n, 9);
  for (int i = 0; i < n; ++i) {
    const auto opt = max_options(fixture_get(m, key(i, "params")).to_vector<int64_t>());
    const Tensor& x = fixture_get(m, key(i, "x"));
    EXPECT_EQ(max_pool2d_output_shape(x.shape(), opt), fixture_get(m, key(i, "y")).shape())
        << "case " << i;
    for (DType dt : {DType::Float64, DType::Float32})
      check_case(
          m, i, dt, [&](const Tensor& t) { return max_pool2d(t, opt); },
          dt == DType::Float64 ? 1e-12 : 1e-6);
    auto [y, idx] = max_pool2d_with_indices(x, opt);
    ASSERT_EQ(idx.dtype(), DType::Int64);
    EXPECT_EQ(idx.to_vector<int64_t>(), fixture_get(m, key(i, "indices")).to_vector<int64_t>())
        << "case " << i;
  }
}

TEST(PoolFixtures, AvgPool2d) {
  auto m = load_fixture("pool_avg");
  const int n = case_count(m);
  ASSERT_GE(n, 9);
  for (int i = 0; i < n; ++i) {
    const auto opt = avg_options(fixture_get(m, key(i, "params")).to_vector<int64_t>());
    const Tensor& x = fixture_get(m, key(i, "x"));
    EXPECT_EQ(avg_pool2d_output_shape(x.shape(), opt), fixture_get(m, key(i, "y")).shape())
        << "case " << i;
    for (DType dt : {DType::Float64, DType::Float32})
      check_case(
          m, i, dt, [&](const Tensor& t) { return avg_pool2d(t, opt); },
          dt == DType::Float64 ? 1e-12 : 1e-5);
  }
}

TEST(PoolFixtures, AdaptivePool2d) {
  auto m = load_fixture("pool_adaptive");
  const int n = case_count(m);
  ASSERT_GE(n, 10);
  for (int i = 0; i < n; ++i) {
    const auto q = fixture_get(m, key(i, "params")).to_vector<int64_t>();
    const Size2 out{q[0], q[1]};
    const bool is_max = q[2] == 1;
    const Tensor& x = fixture_get(m, key(i, "x"));
    EXPECT_EQ(adaptive_pool2d_output_shape(x.shape(), out), fixture_get(m, key(i, "y")).shape());
    for (DType dt : {DType::Float64, DType::Float32})
      check_case(
          m, i, dt,
          [&](const Tensor& t) {
            return is_max ? adaptive_max_pool2d(t, out) : adaptive_avg_pool2d(t, out);
          },
          dt == DType::Float64 ? 1e-12 : 1e-5);
    if (is_max) {
      auto [y, idx] = adaptive_max_pool2d_with_indices(x, out);
      EXPECT_EQ(idx.to_vector<int64_t>(), fixture_get(m, key(i, "indices")).to_vector<int64_t>());
    }
    if (out == Size2(1)) {  // global pooling is adaptive pooling to 1x1
      check_case(
          m, i, DType::Float64,
          [&](const Tensor& t) { return is_max ? global_max_pool2d(t) : global_avg_pool2d(t); },
          1e-12);
    }
  }
}

TEST(PoolFixtures, Pool1d) {
  auto m = load_fixture("pool_1d");
  const int n = case_count(m);
  ASSERT_GE(n, 5);
  for (int i = 0; i < n; ++i) {
    const auto q = fixture_get(m, key(i, "params")).to_vector<int64_t>();
    std::function<Tensor(const Tensor&)> op;
    if (q[0] == 1)
      op = [q](const Tensor& t) {
        return max_pool1d(t, {.kernel = q[1],
                              .stride = q[2],
                              .padding = q[3],
                              .dilation = q[4],
                              .ceil_mode = q[5] != 0});
      };
    else
      op = [q](const Tensor& t) {
        return avg_pool1d(t, {.kernel = q[1],
                              .stride = q[2],
                              .padding = q[3],
                              .ceil_mode = q[5] != 0,
                              .count_include_pad = q[6] != 0});
      };
    for (DType dt : {DType::Float64, DType::Float32})
      check_case(m, i, dt, op, dt == DType::Float64 ? 1e-12 : 1e-5);
  }
}

// ------------------------------------------------------------------ gradcheck (float64)

// Shuffled, evenly spaced values: no ties, gaps (0.01+) far above the finite-difference step.
Tensor distinct(const Shape& shape, uint32_t seed) {
  const int64_t n = shape_numel(shape);
  std::vector<double> v(n);
  std::iota(v.begin(), v.end(), 0.0);
  std::mt19937 rng(seed);
  std::shuffle(v.begin(), v.end(), rng);
  for (auto& e : v) e = e / double(n) * 4 - 2;
  Tensor t = Tensor::from_vector(v, shape);
  t.set_requires_grad(true);
  return t;
}

void expect_gradcheck(const char* what, const std::function<Tensor(const Tensor&)>& op,
                      const Shape& shape) {
  auto r = autograd::gradcheck([&](const std::vector<Tensor>& in) { return op(in[0]); },
                               {distinct(shape, 11)});
  EXPECT_TRUE(r.ok) << what << ": " << r.message;
}

TEST(PoolGradcheck, MaxPool2dVariants) {
  expect_gradcheck("k2 s2", [](const Tensor& x) { return max_pool2d(x, {.kernel = 2}); },
                   {2, 2, 4, 6});
  expect_gradcheck(
      "k3 s2 p1",
      [](const Tensor& x) { return max_pool2d(x, {.kernel = 3, .stride = 2, .padding = 1}); },
      {1, 2, 5, 6});
  expect_gradcheck("k3 s1 p1 d2",
                   [](const Tensor& x) {
                     return max_pool2d(x, {.kernel = 3, .stride = 1, .padding = 1, .dilation = 2});
                   },
                   {1, 1, 6, 5});
  expect_gradcheck(
      "k(3,2) s(2,1) ceil",
      [](const Tensor& x) {
        return max_pool2d(x, {.kernel = {3, 2}, .stride = Size2{2, 1}, .ceil_mode = true});
      },
      {1, 2, 6, 5});
  expect_gradcheck("overlapping k3 s1 (C,H,W)",
                   [](const Tensor& x) { return max_pool2d(x, {.kernel = 3, .stride = 1}); },
                   {2, 5, 5});
  expect_gradcheck("with_indices",
                   [](const Tensor& x) { return max_pool2d_with_indices(x, {.kernel = 2}).first; },
                   {1, 1, 4, 4});
}

TEST(PoolGradcheck, AvgPool2dVariants) {
  expect_gradcheck("k2 s2", [](const Tensor& x) { return avg_pool2d(x, {.kernel = 2}); },
                   {2, 2, 4, 6});
  expect_gradcheck(
      "k3 s2 p1 incl",
      [](const Tensor& x) { return avg_pool2d(x, {.kernel = 3, .stride = 2, .padding = 1}); },
      {1, 2, 5, 6});
  expect_gradcheck("k3 s2 p1 excl",
                   [](const Tensor& x) {
                     return avg_pool2d(
                         x, {.kernel = 3, .stride = 2, .padding = 1, .count_include_pad = false});
                   },
                   {1, 2, 5, 6});
  expect_gradcheck("k3 s2 p1 ceil excl",
                   [](const Tensor& x) {
                     return avg_pool2d(x, {.kernel = 3,
                                           .stride = 2,
                                           .padding = 1,
                                           .ceil_mode = true,
                                           .count_include_pad = false});
                   },
                   {1, 1, 6, 6});
  expect_gradcheck("k(3,2) divisor 5",
                   [](const Tensor& x) {
                     return avg_pool2d(
                         x,
                         {.kernel = {3, 2}, .stride = 1, .padding = {1, 1}, .divisor_override = 5});
                   },
                   {1, 1, 4, 5});
  expect_gradcheck("(C,H,W)",
                   [](const Tensor& x) { return avg_pool2d(x, {.kernel = 2, .ceil_mode = true}); },
                   {2, 5, 3});
}

TEST(PoolGradcheck, AdaptiveAndGlobal) {
  expect_gradcheck("adaptive avg 3x2",
                   [](const Tensor& x) {
                     return adaptive_avg_pool2d(x, {3, 2});
                   },
                   {2, 2, 7, 5});
  expect_gradcheck("adaptive avg up",
                   [](const Tensor& x) {
                     return adaptive_avg_pool2d(x, {4, 5});
                   },
                   {1, 2, 3, 2});
  expect_gradcheck("adaptive max 3x2",
                   [](const Tensor& x) {
                     return adaptive_max_pool2d(x, {3, 2});
                   },
                   {2, 2, 7, 5});
  expect_gradcheck("adaptive max (C,H,W)",
                   [](const Tensor& x) { return adaptive_max_pool2d(x, 2); }, {2, 5, 4});
  expect_gradcheck("global avg", [](const Tensor& x) { return global_avg_pool2d(x); },
                   {2, 3, 4, 3});
  expect_gradcheck("global max", [](const Tensor& x) { return global_max_pool2d(x); },
                   {2, 3, 4, 3});
}

TEST(PoolGradcheck, Pool1d) {
  expect_gradcheck(
      "max1d k3 s2 p1",
      [](const Tensor& x) { return max_pool1d(x, {.kernel = 3, .stride = 2, .padding = 1}); },
      {2, 2, 9});
  expect_gradcheck("max1d (C,L) d2 ceil",
                   [](const Tensor& x) {
                     return max_pool1d(
                         x, {.kernel = 2, .stride = 2, .dilation = 2, .ceil_mode = true});
                   },
                   {3, 8});
  expect_gradcheck("avg1d k3 s2 p1 excl",
                   [](const Tensor& x) {
                     return avg_pool1d(
                         x, {.kernel = 3, .stride = 2, .padding = 1, .count_include_pad = false});
                   },
                   {2, 2, 9});
}

// ------------------------------------------------------------------ shapes and modes

TEST(PoolOps, OutputShapeHelpers) {
  EXPECT_EQ(max_pool2d_output_shape({32, 64, 56, 56}, {.kernel = 2}), (Shape{32, 64, 28, 28}));
  EXPECT_EQ(max_pool2d_output_shape({1, 3, 5, 7}, {.kernel = 2, .ceil_mode = true}),
            (Shape{1, 3, 3, 4}));
  EXPECT_EQ(max_pool2d_output_shape({3, 9, 9}, {.kernel = 3, .stride = 1, .dilation = 2}),
            (Shape{3, 5, 5}));
  EXPECT_EQ(avg_pool2d_output_shape({2, 1, 7, 7}, {.kernel = 3, .stride = 2, .padding = 1}),
            (Shape{2, 1, 4, 4}));
  EXPECT_EQ(avg_pool2d_output_shape({1, 1, 6, 6},
                                    {.kernel = 3, .stride = 2, .padding = 1, .ceil_mode = true}),
            (Shape{1, 1, 4, 4}));
  EXPECT_EQ(adaptive_pool2d_output_shape({4, 2, 13, 9}, {6, 6}), (Shape{4, 2, 6, 6}));
  EXPECT_EQ(adaptive_pool2d_output_shape({2, 13, 9}, 1), (Shape{2, 1, 1}));
  EXPECT_EQ(pool_output_size(56, 2, 2, 0, 1, false), 28);
}

TEST(PoolOps, UnbatchedMatchesBatched) {
  Tensor x = distinct({3, 7, 6}, 5).detach();
  Tensor xb = unsqueeze(x, 0);
  auto same = [&](const Tensor& a, const Tensor& b) {
    EXPECT_TRUE(all_close(unsqueeze(a, 0), b, 0, 0));
  };
  same(max_pool2d(x, {.kernel = 3, .stride = 2, .padding = 1}),
       max_pool2d(xb, {.kernel = 3, .stride = 2, .padding = 1}));
  same(avg_pool2d(x, {.kernel = 2, .ceil_mode = true}),
       avg_pool2d(xb, {.kernel = 2, .ceil_mode = true}));
  same(adaptive_avg_pool2d(x, {2, 4}), adaptive_avg_pool2d(xb, {2, 4}));
  same(global_max_pool2d(x), global_max_pool2d(xb));
}

TEST(PoolOps, InferenceSkipsIndicesButMatches) {
  Tensor x = distinct({2, 3, 9, 8}, 9);
  Tensor with_grad = max_pool2d(x, {.kernel = 3, .stride = 2, .padding = 1});
  EXPECT_TRUE(with_grad.requires_grad());
  Tensor without;
  {
    autograd::NoGradGuard ng;
    without = max_pool2d(x, {.kernel = 3, .stride = 2, .padding = 1});
  }
  EXPECT_FALSE(without.requires_grad());
  EXPECT_TRUE(all_close(with_grad.detach(), without, 0, 0));
}

TEST(PoolOps, NonContiguousInput) {
  Tensor x = distinct({2, 3, 6, 8}, 3).detach();
  Tensor xt = transpose(x, 2, 3);  // (2,3,8,6), strided
  EXPECT_TRUE(
      all_close(max_pool2d(xt, {.kernel = 2}), max_pool2d(contiguous(xt), {.kernel = 2}), 0, 0));
  EXPECT_TRUE(all_close(avg_pool2d(xt, {.kernel = 3, .padding = 1}),
                        avg_pool2d(contiguous(xt), {.kernel = 3, .padding = 1}), 0, 0));
}

TEST(PoolOps, EmptyBatch) {
  Tensor y = max_pool2d(Tensor::zeros({0, 3, 4, 4}), {.kernel = 2});
  EXPECT_EQ(y.shape(), (Shape{0, 3, 2, 2}));
}

// ------------------------------------------------------------------ errors

void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "expected nabla::Error mentioning " << parts[0];
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const auto& p : parts)
      EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

TEST(PoolOps, ErrorsNameOpAndValues) {
  Tensor x = Tensor::zeros({1, 2, 5, 5});
  expect_error(
      [&] {
        max_pool2d(Tensor::zeros({5, 5}), {.kernel = 2});
      },
      {"max_pool2d", "(N,C,H,W)", "[5, 5]"});
  expect_error([&] { max_pool2d(x, {.kernel = 3, .padding = 2}); },
               {"max_pool2d", "half the kernel", "(2, 2)", "(3, 3)"});
  expect_error([&] { max_pool2d(x, {.kernel = 6}); },
               {"max_pool2d", "too small", "(5, 5)", "(0, 0)"});
  expect_error([&] { max_pool2d(x, {.kernel = 0}); }, {"max_pool2d", "kernel size > 0", "(0, 0)"});
  expect_error([&] { max_pool2d(x, {.kernel = 2, .stride = 0}); }, {"max_pool2d", "stride > 0"});
  expect_error(
      [&] {
        max_pool2d(x, {.kernel = 2, .dilation = {1, 0}});
      },
      {"max_pool2d", "dilation > 0", "(1, 0)"});
  expect_error([&] { max_pool2d(x, {.kernel = 2, .padding = -1}); },
               {"max_pool2d", "padding >= 0"});
  expect_error([&] { max_pool2d(x, {.kernel = 3, .dilation = 3}); },
               {"max_pool2d", "too small", "dilation (3, 3)"});
  expect_error(
      [&] {
        max_pool2d(Tensor::zeros({1, 0, 4, 4}), {.kernel = 2});
      },
      {"max_pool2d", "non-zero"});
  expect_error(
      [&] {
        max_pool2d(Tensor::zeros({1, 2, 4, 4}, DType::Int64), {.kernel = 2});
      },
      {"max_pool2d", "float", "int64"});
  expect_error([&] { avg_pool2d(x, {.kernel = 2, .padding = 2}); },
               {"avg_pool2d", "half the kernel"});
  expect_error([&] { avg_pool2d(x, {.kernel = 2, .divisor_override = 0}); },
               {"avg_pool2d", "divisor_override"});
  expect_error(
      [&] {
        avg_pool2d(Tensor::zeros({2, 1, 1, 5, 5}), {.kernel = 2});
      },
      {"avg_pool2d", "[2, 1, 1, 5, 5]"});
  expect_error(
      [&] {
        adaptive_avg_pool2d(x, {0, 2});
      },
      {"adaptive_avg_pool2d", "output size >= 1", "(0, 2)"});
  expect_error([&] { adaptive_max_pool2d(Tensor::zeros({4}), 2); }, {"adaptive_max_pool2d", "[4]"});
  expect_error([&] { global_avg_pool2d(Tensor()); }, {"global_avg_pool2d", "undefined"});
  expect_error([&] { max_pool1d(x, {.kernel = 2}); }, {"max_pool1d", "(N,C,L)", "[1, 2, 5, 5]"});
  expect_error(
      [&] {
        avg_pool1d(Tensor::zeros({1, 2, 3}), {.kernel = 4});
      },
      {"avg_pool1d", "too small"});
  expect_error(
      [&] {
        max_pool2d_output_shape({1, 1, 2, 2}, {.kernel = 3});
      },
      {"max_pool2d", "too small"});
}

}  // namespace
}  // namespace nabla
