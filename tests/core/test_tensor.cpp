#include <gtest/gtest.h>

#include "nabla/ops/ops.hpp"
#include "tests/support/fixtures.hpp"

using namespace nabla;
using nabla::test::all_close;

TEST(Tensor, CreationAndMetadata) {
  Tensor z = Tensor::zeros({2, 3});
  EXPECT_EQ(z.shape(), (Shape{2, 3}));
  EXPECT_EQ(z.strides(), (Shape{3, 1}));
  EXPECT_EQ(z.numel(), 6);
  EXPECT_TRUE(z.is_contiguous());
  EXPECT_EQ(z.dtype(), DType::Float32);
  EXPECT_EQ(Tensor::ones({2}, DType::Float64).to_vector<double>(), (std::vector<double>{1, 1}));
  EXPECT_EQ(Tensor::arange(0, 5).to_vector<float>(), (std::vector<float>{0, 1, 2, 3, 4}));
  EXPECT_EQ(Tensor::full({1}, 2.5).item(), 2.5);
  EXPECT_THROW(Tensor::zeros({-1}), Error);
  EXPECT_THROW(z.item(), Error);
  EXPECT_THROW(z.data<double>(), Error);
  EXPECT_THROW(z.size(2), Error);
  EXPECT_EQ(z.size(-1), 3);
}

TEST(Tensor, SeededRandomIsReproducible) {
  manual_seed(7);
  Tensor a = Tensor::randn({100});
  manual_seed(7);
  Tensor b = Tensor::randn({100});
  EXPECT_TRUE(all_close(a, b, 0, 0));
  Generator g(3);
  Tensor u = Tensor::rand({10000}, DType::Float64, &g);
  double m = mean(u).item();
  EXPECT_NEAR(m, 0.5, 0.02);
  Tensor n = Tensor::randn({10000}, DType::Float64, &g);
  EXPECT_NEAR(mean(n).item(), 0.0, 0.05);
  EXPECT_NEAR(var(n).item(), 1.0, 0.05);
  Generator g2(3);
  g2.next_u64();
  std::string st = g2.state();
  double x = g2.normal();
  g2.set_state(st);
  EXPECT_EQ(g2.normal(), x);
}

TEST(Tensor, ViewsShareStorage) {
  Tensor a = Tensor::arange(0, 24).reshape({2, 3, 4});
  Tensor p = a.permute({2, 0, 1});
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_FALSE(p.is_contiguous());
  EXPECT_EQ(p.storage(), a.storage());
  EXPECT_EQ(p.at({1, 1, 2}), a.at({1, 2, 1}));
  Tensor s = a.slice(2, 1, 4, 2);
  EXPECT_EQ(s.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(s.at({1, 2, 1}), a.at({1, 2, 3}));
  EXPECT_EQ(s.storage(), a.storage());
  Tensor e = Tensor::arange(0, 3).reshape({3, 1}).expand({3, 4});
  EXPECT_EQ(e.strides()[1], 0);
  EXPECT_EQ(e.at({2, 3}), 2);
  Tensor u = a.unsqueeze(1);
  EXPECT_EQ(u.shape(), (Shape{2, 1, 3, 4}));
  EXPECT_EQ(u.squeeze(1).shape(), (Shape{2, 3, 4}));
  Tensor c = p.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_NE(c.storage(), a.storage());
  EXPECT_EQ(c.at({1, 1, 2}), a.at({1, 2, 1}));
  // reshape of a transposed tensor must copy, view must refuse
  EXPECT_THROW(a.transpose(0, 2).view({24}), Error);
  EXPECT_EQ(a.transpose(0, 2).reshape({24}).at({1}), a.at({1, 0, 0}));
  EXPECT_EQ(a.reshape({4, -1}).shape(), (Shape{4, 6}));
  EXPECT_THROW(a.reshape({5, -1}), Error);
}

TEST(Tensor, InPlaceAndGradMode) {
  Tensor w = Tensor::ones({3}).set_requires_grad();
  EXPECT_THROW(w.mul_(2), Error);
  {
    autograd::NoGradGuard ng;
    w.mul_(2);
  }
  EXPECT_EQ(w.to_vector<float>(), (std::vector<float>{2, 2, 2}));
  Tensor a = Tensor::zeros({2, 3});
  a.copy_(Tensor::arange(0, 3));
  EXPECT_EQ(a.at({1, 2}), 2);
}

TEST(Tensor, PoolReusesBuffers) {
  { Tensor t = Tensor::empty({1 << 20}); }
  auto before = storage_pool_stats();
  { Tensor t = Tensor::empty({1 << 20}); }
  auto after = storage_pool_stats();
  EXPECT_EQ(after.hits, before.hits + 1);
}

TEST(Tensor, Printing) {
  std::string s = to_string(Tensor::arange(0, 4).reshape({2, 2}));
  EXPECT_NE(s.find("[[0, 1],\n[2, 3]]"), std::string::npos) << s;
}
