#include <gtest/gtest.h>

#include <cmath>

#include "nabla/data/transforms.hpp"

using namespace nabla;
using namespace nabla::data;

namespace {

// (n, c, h, w) with pixel value 1 + (c*h + y)*w + x, distinct and non-zero.
Tensor ramp(int64_t n, int64_t c, int64_t h, int64_t w) {
  std::vector<float> v;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < c * h * w; ++k) v.push_back(static_cast<float>(1 + k));
  return Tensor::from_vector(v, {n, c, h, w});
}

void mean_std(const std::vector<float>& v, double& mean, double& sd) {
  double s = 0, s2 = 0;
  for (float x : v) s += x, s2 += double(x) * x;
  mean = s / v.size();
  sd = std::sqrt(s2 / v.size() - mean * mean);
}

}  // namespace

TEST(Transforms, NormalizeGivesZeroMeanUnitStdPerChannel) {
  Generator gen(1);
  // Channel 0 ~ U(0,1) (mean 0.5, std 0.2887), channel 1 = 2 * that + 3.
  Tensor x = Tensor::rand({200, 2, 8, 8}, DType::Float32, &gen);
  float* p = x.data<float>();
  for (int64_t i = 0; i < 200; ++i)
    for (int64_t k = 0; k < 64; ++k) p[(i * 2 + 1) * 64 + k] = 2 * p[(i * 2) * 64 + k] + 3;
  const Tensor y =
      transforms::normalize(x, {0.5, 4.0}, {std::sqrt(1.0 / 12), 2 * std::sqrt(1.0 / 12)});
  const std::vector<float> v = y.to_vector<float>();
  for (int ch = 0; ch < 2; ++ch) {
    std::vector<float> c;
    for (int64_t i = 0; i < 200; ++i)
      c.insert(c.end(), v.begin() + (i * 2 + ch) * 64, v.begin() + (i * 2 + ch + 1) * 64);
    double m, s;
    mean_std(c, m, s);
    EXPECT_NEAR(m, 0.0, 0.03) << "channel " << ch;
    EXPECT_NEAR(s, 1.0, 0.03) << "channel " << ch;
  }
  EXPECT_THROW(transforms::normalize(x, {0.1, 0.2, 0.3}, {1, 1, 1}), Error);
  EXPECT_THROW(transforms::Normalize({0.5}, {0.0}), Error);
}

TEST(Transforms, GaussianNoiseHasTheRequestedStd) {
  Generator gen(2);
  const Tensor x = Tensor::full({100, 1, 20, 20}, 0.25);
  const Tensor y = transforms::gaussian_noise(x, 0.1, gen);
  std::vector<float> d = y.to_vector<float>();
  for (float& v : d) v -= 0.25f;
  double m, s;
  mean_std(d, m, s);
  EXPECT_NEAR(m, 0.0, 0.002);
  EXPECT_NEAR(s, 0.1, 0.002);
  Generator g1(7), g2(7);
  EXPECT_EQ(transforms::gaussian_noise(x, 0.1, g1).to_vector<float>(),
            transforms::gaussian_noise(x, 0.1, g2).to_vector<float>());
}

TEST(Transforms, HorizontalFlipMirrorsWithProbabilityP) {
  Generator gen(3);
  const Tensor x = ramp(2, 2, 3, 5);
  const Tensor same = transforms::random_hflip(x, 0.0, gen);
  EXPECT_EQ(same.to_vector<float>(), x.to_vector<float>());
  const Tensor flipped = transforms::random_hflip(x, 1.0, gen);
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t y = 0; y < 3; ++y)
      for (int64_t w = 0; w < 5; ++w) EXPECT_EQ(flipped.at({1, c, y, w}), x.at({1, c, y, 4 - w}));
  const Tensor many = ramp(4000, 1, 1, 2);  // each sample [1, 2]; flipped -> [2, 1]
  const std::vector<float> v = transforms::random_hflip(many, 0.3, gen).to_vector<float>();
  int flips = 0;
  for (size_t i = 0; i < v.size(); i += 2) flips += v[i] == 2.0f;
  EXPECT_NEAR(flips / 4000.0, 0.3, 0.03);
}

TEST(Transforms, RandomCropIsAZeroFilledShift) {
  Generator gen(4);
  const int64_t n = 300, h = 6, w = 7, pad = 2;
  const Tensor x = ramp(n, 1, h, w);
  const Tensor y = transforms::random_crop(x, h, w, pad, gen);
  ASSERT_EQ(y.shape(), x.shape());
  const std::vector<float> v = y.to_vector<float>();
  std::vector<int> seen_dx(2 * pad + 1, 0);
  for (int64_t i = 0; i < n; ++i) {
    // Find the shift from any surviving pixel (value 1 + y*w + x), then check every pixel.
    int64_t dy = 99, dx = 99;
    for (int64_t k = 0; k < h * w && dy == 99; ++k) {
      const float val = v[static_cast<size_t>(i * h * w + k)];
      if (val == 0) continue;
      const int64_t src = static_cast<int64_t>(val) - 1;
      dy = src / w - k / w;
      dx = src % w - k % w;
    }
    ASSERT_LE(std::abs(dy), pad);
    ASSERT_LE(std::abs(dx), pad);
    ++seen_dx[static_cast<size_t>(dx + pad)];
    for (int64_t k = 0; k < h * w; ++k) {
      const int64_t sy = k / w + dy, sx = k % w + dx;
      const float expect = (sy >= 0 && sy < h && sx >= 0 && sx < w) ? float(1 + sy * w + sx) : 0.0f;
      ASSERT_EQ(v[static_cast<size_t>(i * h * w + k)], expect);
    }
  }
  for (int c : seen_dx) EXPECT_GT(c, 20);  // every offset occurs
  // Cropping to a smaller size without padding stays inside the image.
  const Tensor small = transforms::random_crop(x, 4, 4, 0, gen);
  EXPECT_EQ(small.shape(), (Shape{n, 1, 4, 4}));
  for (float val : small.to_vector<float>()) EXPECT_GT(val, 0.0f);
  EXPECT_THROW(transforms::random_crop(x, 20, 20, 1, gen), Error);
}

TEST(Transforms, ComposeAppliesInOrder) {
  Generator g1(5), g2(5);
  const Tensor x = ramp(3, 1, 4, 4);
  const transforms::Compose both{transforms::RandomHorizontalFlip(1.0),
                                 transforms::Normalize({1.0}, {2.0})};
  const Tensor a = both(x, g1);
  const Tensor b = transforms::normalize(transforms::random_hflip(x, 1.0, g2), {1.0}, {2.0});
  EXPECT_EQ(a.to_vector<float>(), b.to_vector<float>());
  EXPECT_EQ(a.at({0, 0, 0, 0}), (4.0 - 1.0) / 2.0);
  EXPECT_THROW(transforms::random_hflip(Tensor::zeros({3, 4}), 0.5, g1), Error);
}
