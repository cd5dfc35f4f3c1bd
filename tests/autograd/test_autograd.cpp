#include <gtest/gtest.h>

#include "nabla/ops/ops.hpp"
#include "tests/support/fixtures.hpp"

using namespace nabla;
using nabla::test::all_close;

namespace {
Tensor d64(const Shape& s, uint64_t seed, bool grad = true) {
  Generator g(seed);
  Tensor t = Tensor::randn(s, DType::Float64, &g);
  if (grad) t.set_requires_grad();
  return t;
}
}  // namespace

TEST(Autograd, SimpleChainRule) {
  Tensor x = Tensor::from_vector(std::vector<double>{1, 2, 3}, {3}).set_requires_grad();
  Tensor y = sum(x * x * 3.0);  // dy/dx = 6x
  y.backward();
  EXPECT_TRUE(all_close(x.grad(), Tensor::from_vector(std::vector<double>{6, 12, 18}, {3})));
}

TEST(Autograd, AccumulatesWhenUsedTwice) {
  Tensor x = Tensor::from_vector(std::vector<double>{2}, {1}).set_requires_grad();
  Tensor y = sum(x * x + x);  // 2x + 1 = 5
  y.backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 5);
  // a second backward of a new graph accumulates into .grad
  sum(x * 2.0).backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 7);
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, DetachAndNoGrad) {
  Tensor x = d64({3}, 1);
  Tensor d = x.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.storage(), x.storage());
  {
    autograd::NoGradGuard ng;
    Tensor y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
  }
  EXPECT_TRUE((x * 2.0).requires_grad());
  Tensor z = sum(x * d);  // gradient flows only through x
  z.backward();
  EXPECT_TRUE(all_close(x.grad(), d));
}

TEST(Autograd, RetainGraphAndFreedGraphError) {
  Tensor x = d64({4}, 2);
  Tensor y = sum(exp(x));
  y.backward(Tensor(), true);
  y.backward();  // allowed: the first call retained the graph
  EXPECT_TRUE(all_close(x.grad(), exp(x.detach()) * 2.0));
  try {
    y.backward();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("retain_graph"), std::string::npos) << e.what();
  }
}

TEST(Autograd, NonScalarNeedsGradient) {
  Tensor x = d64({2, 2}, 3);
  Tensor y = x * 3.0;
  EXPECT_THROW(y.backward(), Error);
  y.backward(Tensor::ones({2, 2}, DType::Float64));
  EXPECT_TRUE(all_close(x.grad(), Tensor::full({2, 2}, 3.0, DType::Float64)));
  EXPECT_THROW(y.backward(Tensor::ones({3}, DType::Float64)), Error);
  Tensor c = Tensor::ones({2});
  EXPECT_THROW(sum(c).backward(), Error);  // does not require grad
}

TEST(Autograd, RetainGradOnNonLeaf) {
  Tensor x = d64({3}, 4);
  Tensor h = x * 2.0;
  h.retain_grad();
  sum(h * h).backward();
  EXPECT_TRUE(all_close(h.grad(), h.detach() * 2.0));
}

TEST(Autograd, GradFunctionDoesNotTouchDotGrad) {
  Tensor x = d64({3}, 5);
  auto g = autograd::grad(sum(x * x), {x});
  EXPECT_TRUE(all_close(g[0], x.detach() * 2.0));
  EXPECT_FALSE(x.grad().defined());
}

TEST(Autograd, GradcheckCatchesAWrongGradient) {
  // an op with a deliberately wrong backward must fail gradcheck
  auto bad = [](const std::vector<Tensor>& in) {
    Tensor out = in[0].detach() * 2.0;
    return autograd::record("bad", out, {in[0]},
                            [](const Tensor& g) { return std::vector<Tensor>{g * 3.0}; });
  };
  auto r = autograd::gradcheck(bad, {d64({3}, 6)});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("numerical"), std::string::npos);
}

TEST(Autograd, GraphDroppedWithoutBackwardIsFreed) {
  // ops whose backward keeps their output must not form a reference cycle
  std::weak_ptr<TensorImpl> weak_out;
  std::weak_ptr<autograd::Node> weak_node;
  {
    Tensor x = d64({3}, 7);
    Tensor y = softmax(tanh(exp(x)), 0);
    weak_out = y.impl_ptr();
    weak_node = y.grad_fn();
  }
  EXPECT_TRUE(weak_out.expired());
  EXPECT_TRUE(weak_node.expired());
}

TEST(Autograd, AccumulationDoesNotWriteIntoSharedGradients) {
  // add's backward hands the same gradient buffer to both inputs; a later accumulation into
  // one of them must not change the other
  Tensor x = d64({3}, 8);
  Tensor a = x * 1.0, b = x * 1.0;
  Tensor s = a + b;  // a and b receive the same buffer, before the deeper paths below reach them
  Tensor y =
      sum(((a * 3.0) * 1.0) * 1.0 + ((b * 5.0) * 1.0) * 1.0 + s * 2.0);  // a: 2 + 3, b: 2 + 5
  auto g = autograd::grad(y, {a, b});
  EXPECT_TRUE(all_close(g[0], Tensor::full({3}, 5.0, DType::Float64)));
  EXPECT_TRUE(all_close(g[1], Tensor::full({3}, 7.0, DType::Float64)));
  Tensor x2 = d64({3}, 9);
  Tensor a2 = x2 * 1.0, b2 = x2 * 1.0;
  sum(((a2 * 3.0) * 1.0) * 1.0 + ((b2 * 5.0) * 1.0) * 1.0 + (a2 + b2) * 2.0).backward();
  EXPECT_TRUE(all_close(x2.grad(), Tensor::full({3}, 12.0, DType::Float64)));
}
