// A synthetic classification set for tests and demos (config: data.dataset = "synthetic").
#pragma once
#include <cstdint>

#include "nabla/data/dataset.hpp"

namespace nabla::data {

// Each class is a fixed random template image (drawn from template_seed); samples (N, 1, size,
// size) are the template plus Gaussian noise (from seed), clamped to [0, 1]; labels (N) int64.
TensorDataset make_synthetic_images(int64_t n, int64_t classes, int64_t size, double noise,
                                    uint64_t seed, uint64_t template_seed);

}  // namespace nabla::data
