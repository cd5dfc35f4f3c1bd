// Small classifiers for the convolutionalization and heatmap tests (random weights from a
// fixed seed).
#pragma once
#include <algorithm>
#include <cmath>

#include "nabla/core/random.hpp"
#include "nabla/nn/nn.hpp"

namespace nabla::test {

// LeNet-5 as configs/lenet_fashion.toml builds it: 28x28 -> 16x5x5 -> 120 -> 84 -> 10.
inline nn::Sequential lenet() {
  manual_seed(5);
  nn::Conv2dOptions pad2;
  pad2.padding = 2;
  return nn::Sequential{nn::Conv2d(1, 6, 5, pad2),
                        nn::ReLU(),
                        nn::MaxPool2d(2),
                        nn::Conv2d(6, 16, 5),
                        nn::ReLU(),
                        nn::MaxPool2d(2),
                        nn::Flatten(),
                        nn::Linear(400, 120),
                        nn::ReLU(),
                        nn::Linear(120, 84),
                        nn::ReLU(),
                        nn::Linear(84, 10)};
}

// The notes' shape: no padding, so 28x28 -> 16x4x4 before Flatten, and every score cell sees
// exactly its own 28x28 window of a larger image.
inline nn::Sequential lenet_unpadded() {
  manual_seed(6);
  return nn::Sequential{nn::Conv2d(1, 6, 5),  nn::ReLU(),          nn::MaxPool2d(2),
                        nn::Conv2d(6, 16, 5), nn::Tanh(),          nn::MaxPool2d(2),
                        nn::Flatten(),        nn::Linear(256, 32), nn::Sigmoid(),
                        nn::Dropout(0.3),     nn::Linear(32, 10)};
}

// max |a - b| over all elements (same numel).
inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector<float>(), y = b.to_vector<float>();
  double m = x.size() == y.size() ? 0 : INFINITY;
  for (size_t i = 0; i < std::min(x.size(), y.size()); ++i)
    m = std::max(m, std::fabs(static_cast<double>(x[i]) - y[i]));
  return m;
}

}  // namespace nabla::test
