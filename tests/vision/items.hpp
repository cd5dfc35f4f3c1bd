// Stand-in items for the scene tests that must not depend on Fashion-MNIST being installed:
// 28x28 light shapes on black, different per index, made by formula (no random numbers).
#pragma once
#include <vector>

#include "nabla/data/dataset.hpp"

namespace nabla::test {

// n items: item i is a filled ellipse (half-axes 6 + i % 7 and 5 + i % 8 pixels) with a
// brightness ramp, labels i % 10.
inline data::TensorDataset shape_items(int64_t n) {
  std::vector<float> px(n * 28 * 28, 0.0f);
  std::vector<int64_t> labels(n);
  for (int64_t i = 0; i < n; ++i) {
    const double ay = 6 + i % 7, ax = 5 + i % 8;
    for (int64_t y = 0; y < 28; ++y)
      for (int64_t x = 0; x < 28; ++x) {
        const double dy = (y - 13.5) / ay, dx = (x - 13.5) / ax;
        if (dy * dy + dx * dx <= 1)
          px[(i * 28 + y) * 28 + x] = static_cast<float>(0.5 + 0.5 * (x + y) / 54.0);
      }
    labels[i] = i % 10;
  }
  return data::TensorDataset(Tensor::from_vector(px, {n, 1, 28, 28}),
                             Tensor::from_vector(labels, {n}));
}

// A solid size x size square of `value` (a Placement's item).
inline Tensor solid(int64_t size, float value) {
  return Tensor::from_vector(std::vector<float>(size * size, value), {size, size});
}

}  // namespace nabla::test
