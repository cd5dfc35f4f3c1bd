// PyTorch's CPU random streams, reproduced: a run with `rng = "pytorch"` starts from exactly the
// weights torch.manual_seed(seed) + PyTorch's default layer init would give, and shuffles with
// the permutations torch.randperm(n, generator=torch.Generator().manual_seed(seed)) gives epoch
// after epoch. That makes a nabla run and a PyTorch run of one recipe and one seed the same
// experiment (same draws), not two samples of it; see README "Where the gap comes from".
//
// What ATen does (CPUGeneratorImpl, checked bit for bit against Debian's PyTorch 1.13 in
// tests/nn/test_pytorch_init.cpp and tests/data/test_loader_pytorch_order.cpp): mt19937 seeded with
// the low 32 bits of the seed; a float32 uniform_(from, to) takes one 32-bit output, keeps 24 bits,
// x = bits * 2^-24, and returns float(x * (to - from) + from) with from/to rounded to float first;
// randperm(n) swaps r[i] with r[i + random() % (n - i)] for i = 0 .. n-2.
#pragma once
#include <cstdint>
#include <random>
#include <vector>

namespace nabla {

class TorchGenerator {
 public:
  explicit TorchGenerator(uint64_t seed) : mt_(static_cast<uint32_t>(seed & 0xffffffffu)) {}
  uint32_t random() { return static_cast<uint32_t>(mt_()); }
  float uniform_float(double from, double to);
  // One permutation of 0..n-1; n must be below 2^32 (PyTorch switches to 64-bit draws beyond).
  std::vector<int64_t> randperm(int64_t n);

 private:
  std::mt19937 mt_;
};

}  // namespace nabla
