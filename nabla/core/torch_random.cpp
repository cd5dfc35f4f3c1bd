#include "nabla/core/torch_random.hpp"

#include <utility>

#include "nabla/core/error.hpp"

namespace nabla {

float TorchGenerator::uniform_float(double from, double to) {
  const float f = static_cast<float>(from), t = static_cast<float>(to);
  const double x = static_cast<double>(random() & 0xffffffu) * (1.0 / 16777216.0);
  return static_cast<float>(x * static_cast<double>(t - f) + static_cast<double>(f));
}

std::vector<int64_t> TorchGenerator::randperm(int64_t n) {
  NABLA_CHECK(n >= 0 && n < (int64_t{1} << 32), "TorchGenerator::randperm",
              "n must be in [0, 2^32), got ", n);
  std::vector<int64_t> r(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) r[static_cast<size_t>(i)] = i;
  for (int64_t i = 0; i + 1 < n; ++i) {
    const int64_t z = static_cast<int64_t>(random() % static_cast<uint64_t>(n - i));
    std::swap(r[static_cast<size_t>(i)], r[static_cast<size_t>(z + i)]);
  }
  return r;
}

}  // namespace nabla
