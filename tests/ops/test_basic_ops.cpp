// gradcheck + value checks for the elementwise, reduction, shape and matmul ops.
#include <gtest/gtest.h>

#include <cmath>

#include "nabla/ops/ops.hpp"
#include "tests/support/fixtures.hpp"

using namespace nabla;
using nabla::test::all_close;
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

namespace {
Tensor d64(const Shape& s, uint64_t seed, double lo = -1, double hi = 1) {
  Generator g(seed);
  Tensor t = Tensor::rand(s, DType::Float64, &g);
  t = (t * (hi - lo) + lo).detach();
  t.set_requires_grad();
  return t;
}
void expect_gradcheck(const Fn& f, const std::vector<Tensor>& in, const char* what) {
  auto r = autograd::gradcheck(f, in);
  EXPECT_TRUE(r.ok) << what << ": " << r.message;
}
}  // namespace

TEST(OpsGradcheck, ElementwiseBroadcast) {
  Tensor a = d64({2, 3, 4}, 1), b = d64({3, 1}, 2), c = d64({4}, 3, 0.5, 2);
  expect_gradcheck([](auto& v) { return v[0] + v[1]; }, {a, b}, "add");
  expect_gradcheck([](auto& v) { return v[0] - v[1]; }, {a, b}, "sub");
  expect_gradcheck([](auto& v) { return v[0] * v[1]; }, {a, b}, "mul");
  expect_gradcheck([](auto& v) { return v[0] / v[1]; }, {a, c}, "div");
  expect_gradcheck([](auto& v) { return pow(v[1], v[0]); }, {d64({4}, 9), c}, "pow tensor");
  expect_gradcheck([](auto& v) { return maximum(v[0], v[1]); }, {a, b}, "maximum");
  expect_gradcheck([](auto& v) { return minimum(v[0], v[1]); }, {a, b}, "minimum");
  Tensor cond = gt(Tensor::rand({3, 4}, DType::Float64), 0.5);
  expect_gradcheck([cond](auto& v) { return where(cond, v[0], v[1]); }, {a, b}, "where");
}

TEST(OpsGradcheck, Unary) {
  Tensor a = d64({3, 5}, 4), p = d64({3, 5}, 5, 0.2, 3);
  expect_gradcheck([](auto& v) { return neg(v[0]); }, {a}, "neg");
  expect_gradcheck([](auto& v) { return exp(v[0]); }, {a}, "exp");
  expect_gradcheck([](auto& v) { return log(v[0]); }, {p}, "log");
  expect_gradcheck([](auto& v) { return sqrt(v[0]); }, {p}, "sqrt");
  expect_gradcheck([](auto& v) { return abs(v[0]); }, {a}, "abs");
  expect_gradcheck([](auto& v) { return pow(v[0], 3.0); }, {a}, "pow");
  expect_gradcheck([](auto& v) { return clamp(v[0], -0.5, 0.5); }, {a}, "clamp");
  expect_gradcheck([](auto& v) { return sigmoid(v[0]); }, {a}, "sigmoid");
  expect_gradcheck([](auto& v) { return tanh(v[0]); }, {a}, "tanh");
  expect_gradcheck([](auto& v) { return relu(v[0]); }, {a}, "relu");
  expect_gradcheck([](auto& v) { return leaky_relu(v[0], 0.1); }, {a}, "leaky_relu");
}

TEST(OpsGradcheck, Reductions) {
  Tensor a = d64({3, 4, 5}, 6);
  expect_gradcheck([](auto& v) { return sum(v[0]); }, {a}, "sum all");
  expect_gradcheck([](auto& v) { return sum(v[0], {0, 2}, true); }, {a}, "sum keepdim");
  expect_gradcheck([](auto& v) { return sum(v[0], {0}); }, {a}, "sum leading");
  expect_gradcheck([](auto& v) { return mean(v[0], {1}); }, {a}, "mean");
  expect_gradcheck([](auto& v) { return var(v[0], {2}); }, {a}, "var");
  expect_gradcheck([](auto& v) { return max(v[0], 1); }, {a}, "max");
  expect_gradcheck([](auto& v) { return min(v[0], -1, true); }, {a}, "min");
  expect_gradcheck([](auto& v) { return logsumexp(v[0], 1); }, {a}, "logsumexp");
  expect_gradcheck([](auto& v) { return softmax(v[0], 1); }, {a}, "softmax");
  expect_gradcheck([](auto& v) { return log_softmax(v[0], 0); }, {a}, "log_softmax");
}

TEST(OpsGradcheck, ShapeOps) {
  Tensor a = d64({2, 3, 4}, 7), b = d64({2, 2, 4}, 8);
  expect_gradcheck(
      [](auto& v) {
        return v[0].permute({2, 0, 1}).contiguous() * 2.0;
      },
      {a}, "permute");
  expect_gradcheck([](auto& v) { return v[0].transpose(0, 2).reshape({-1}); }, {a}, "reshape copy");
  expect_gradcheck([](auto& v) { return v[0].slice(1, 0, 3, 2); }, {a}, "slice");
  expect_gradcheck([](auto& v) { return v[0].select(2, 1); }, {a}, "select");
  expect_gradcheck([](auto& v) { return v[0].unsqueeze(1).expand({2, 5, 3, 4}); }, {a}, "expand");
  expect_gradcheck([](auto& v) { return cat({v[0], v[1]}, 1); }, {a, b}, "cat");
  expect_gradcheck([](auto& v) { return stack({v[0], v[0]}, 0); }, {a}, "stack");
  expect_gradcheck([](auto& v) { return split(v[0], 2, 1)[1]; }, {a}, "split");
  Tensor idx = Tensor::from_vector(std::vector<int64_t>{2, 0, 0, 1, 2, 1}, {2, 3, 1});
  expect_gradcheck([idx](auto& v) { return gather(v[0], 1, idx); }, {a}, "gather");
  Tensor sel = Tensor::from_vector(std::vector<int64_t>{3, 0, 3}, {3});
  expect_gradcheck([sel](auto& v) { return index_select(v[0], 2, sel); }, {a}, "index_select");
  expect_gradcheck([](auto& v) { return pad(v[0], {1, 2, 0, 1}); }, {a}, "pad");
  // dtype conversion: the gradient comes back in the input's dtype
  Tensor g = autograd::grad(sum(a.to(DType::Float32) * 2.0f), {a})[0];
  EXPECT_EQ(g.dtype(), DType::Float64);
  EXPECT_TRUE(all_close(g, Tensor::full(a.shape(), 2.0, DType::Float64)));
}

TEST(OpsGradcheck, Matmul) {
  Tensor a = d64({3, 4}, 10), b = d64({4, 5}, 11);
  expect_gradcheck([](auto& v) { return matmul(v[0], v[1]); }, {a, b}, "mm");
  expect_gradcheck([](auto& v) { return matmul(v[0].t(), v[1].t()); },
                   {d64({4, 3}, 12), d64({5, 4}, 13)}, "mm transposed");
  expect_gradcheck([](auto& v) { return matmul(v[0], v[1]); },
                   {d64({2, 3, 4}, 14), d64({4, 2}, 15)}, "batched x 2-D");
  expect_gradcheck([](auto& v) { return matmul(v[0], v[1]); },
                   {d64({2, 1, 3, 4}, 16), d64({3, 4, 2}, 17)}, "broadcast batch");
  expect_gradcheck([](auto& v) { return matmul(v[0], v[1]); }, {d64({4}, 18), d64({4}, 19)}, "dot");
  expect_gradcheck([](auto& v) { return linear(v[0], v[1], v[2]); },
                   {d64({5, 4}, 20), d64({3, 4}, 21), d64({3}, 22)}, "linear");
}

TEST(Ops, MatmulValues) {
  Tensor a = Tensor::from_vector(std::vector<float>{1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = Tensor::from_vector(std::vector<float>{1, 0, 0, 1, 1, 1}, {3, 2});
  EXPECT_EQ(matmul(a, b).to_vector<float>(), (std::vector<float>{4, 5, 10, 11}));
  EXPECT_THROW(matmul(a, a), Error);
  EXPECT_THROW(matmul(a, b.to(DType::Float64)), Error);
}

TEST(Ops, ReductionValues) {
  Tensor a = Tensor::arange(0, 6).reshape({2, 3});
  EXPECT_EQ(sum(a, {1}).to_vector<float>(), (std::vector<float>{3, 12}));
  EXPECT_EQ(sum(a, {0}).to_vector<float>(), (std::vector<float>{3, 5, 7}));
  EXPECT_EQ(argmax(a, 1).to_vector<int64_t>(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(max(a, 0).to_vector<float>(), (std::vector<float>{3, 4, 5}));
  EXPECT_NEAR(var(a).item(), 3.5, 1e-6);
  EXPECT_EQ(mean(a, {1}, true).shape(), (Shape{2, 1}));
  Tensor big = Tensor::from_vector(std::vector<float>{1000, -1000, 0}, {1, 3});
  Tensor ls = log_softmax(big, 1);
  EXPECT_NEAR(ls.at({0, 0}), 0, 1e-6);
  EXPECT_TRUE(std::isfinite(ls.at({0, 1})));
  EXPECT_NEAR(softmax(big, 1).at({0, 0}), 1, 1e-6);
}

TEST(Ops, GatherAndIndexSelectValues) {
  Tensor a = Tensor::arange(0, 6).reshape({2, 3});  // [[0,1,2],[3,4,5]]
  Tensor i1 = Tensor::from_vector(std::vector<int64_t>{2, 0, 1, 1}, {2, 2});
  EXPECT_EQ(gather(a, 1, i1).to_vector<float>(), (std::vector<float>{2, 0, 4, 4}));
  Tensor i0 = Tensor::from_vector(std::vector<int64_t>{1, 0, 1}, {1, 3});
  EXPECT_EQ(gather(a, 0, i0).to_vector<float>(), (std::vector<float>{3, 1, 5}));
  EXPECT_THROW(gather(a, 1, Tensor::from_vector(std::vector<int64_t>{3}, {1, 1})), Error);
  Tensor sel = index_select(a, 1, Tensor::from_vector(std::vector<int64_t>{2, 2, 0}, {3}));
  EXPECT_EQ(sel.to_vector<float>(), (std::vector<float>{2, 2, 0, 5, 5, 3}));
}

TEST(Ops, BroadcastErrorsNameTheShapes) {
  try {
    add(Tensor::zeros({2, 3}), Tensor::zeros({4}));
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("add"), std::string::npos);
    EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
    EXPECT_NE(m.find("[4]"), std::string::npos) << m;
  }
}
