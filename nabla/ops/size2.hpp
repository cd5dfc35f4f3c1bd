// A (height, width) pair that converts from one integer, so op and layer options accept both
// `{.padding = 2}` and `{.padding = {1, 2}}` (PyTorch's int-or-tuple arguments). The one 2-D size
// type of conv, pool and their layers; kernels take plain integers (kernels/*_params.hpp).
#pragma once
#include <cstdint>
#include <string>

namespace nabla {

struct Size2 {
  int64_t h = 0;
  int64_t w = 0;
  constexpr Size2() = default;
  constexpr Size2(int64_t v) : h(v), w(v) {}  // NOLINT: implicit on purpose
  constexpr Size2(int64_t h_, int64_t w_) : h(h_), w(w_) {}
  constexpr bool operator==(const Size2&) const = default;
  std::string str() const {
    if (h == w) return std::to_string(h);
    // Appends instead of chaining operator+ (g++ 12 warns falsely on "(" + std::string).
    std::string s("(");
    s += std::to_string(h);
    s += ", ";
    s += std::to_string(w);
    s += ")";
    return s;
  }
};

}  // namespace nabla
