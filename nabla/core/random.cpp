#include "nabla/core/random.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "nabla/core/error.hpp"

namespace nabla {
namespace {
uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
}  // namespace

void Generator::seed_(uint64_t seed) {
  uint64_t x = seed;
  for (auto& s : s_) s = splitmix64(x);
  has_spare_ = false;
}

uint64_t Generator::next_u64() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Generator::uniform() { return (next_u64() >> 11) * 0x1.0p-53; }

double Generator::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  double u1 = uniform(), u2 = uniform();
  if (u1 < 1e-300) u1 = 1e-300;
  const double r = std::sqrt(-2.0 * std::log(u1));
  const double th = 2.0 * M_PI * u2;
  spare_ = r * std::sin(th);
  has_spare_ = true;
  return r * std::cos(th);
}

uint64_t Generator::below(uint64_t n) {
  NABLA_CHECK(n > 0, "Generator::below", "n must be positive");
  // rejection sampling avoids modulo bias
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t v;
  do v = next_u64();
  while (v >= limit);
  return v % n;
}

std::string Generator::state() const {
  std::ostringstream os;
  char buf[32];
  for (auto s : s_) os << s << ' ';
  std::snprintf(buf, sizeof buf, "%a", spare_);
  os << (has_spare_ ? 1 : 0) << ' ' << buf;
  return os.str();
}

void Generator::set_state(const std::string& st) {
  std::istringstream is(st);
  uint64_t s[4];
  int has = 0;
  std::string spare;
  for (auto& v : s) is >> v;
  is >> has >> spare;
  NABLA_CHECK(!is.fail(), "Generator::set_state", "malformed generator state '", st, "'");
  for (int i = 0; i < 4; ++i) s_[i] = s[i];
  has_spare_ = has != 0;
  spare_ = std::strtod(spare.c_str(), nullptr);
}

Generator& default_generator() {
  static Generator g(0);
  return g;
}

void manual_seed(uint64_t seed) { default_generator().seed_(seed); }

}  // namespace nabla
