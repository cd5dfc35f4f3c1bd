// Seeded random numbers. One global generator (manual_seed) that creation ops, dropout and
// data shuffling use by default; its state can be saved into a checkpoint and restored.
#pragma once
#include <cstdint>
#include <string>

namespace nabla {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0) { seed_(seed); }
  void seed_(uint64_t seed);
  uint64_t next_u64();         // xoshiro256**
  double uniform();            // [0, 1)
  double normal();             // standard normal (Box-Muller, cached pair)
  uint64_t below(uint64_t n);  // uniform integer in [0, n)
  std::string state() const;   // serialised state, for checkpoints
  void set_state(const std::string& s);

 private:
  uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0;
};

Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace nabla
