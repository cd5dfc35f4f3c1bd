// ONNX's 16-bit float types, which nabla has no dtype for: values live in float32/float64
// tensors, rounded to what the 16-bit type can hold (Cast), and 16-bit bits from files decode
// to float32 (tensor_io), so results compare by value like every other output.
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace nabla::onnx {

// x rounded to the nearest IEEE half (ties to even), as numpy's astype(float16): past 65504
// it overflows to infinity, below 2^-14 it rounds to the subnormal grid of 2^-24.
inline double round_to_half(double x) {
  if (!std::isfinite(x) || x == 0) return x;
  if (std::abs(x) >= 65520.0) return std::copysign(std::numeric_limits<double>::infinity(), x);
  int exp = 0;
  std::frexp(x, &exp);                          // |x| in [2^(exp-1), 2^exp)
  const int e = exp - 1 < -14 ? -14 : exp - 1;  // subnormals share the smallest exponent
  const double quantum = std::ldexp(1.0, e - 10);
  return std::nearbyint(x / quantum) * quantum;  // the default rounding mode: ties to even
}

// x's float32 with the low 16 bits dropped: bfloat16 by truncation, as ONNX's reference Cast
// (and its backend test data) computes it. NaN stays NaN (dropping its low bits could make it
// infinity). The NaN test is on the bits on purpose: with std::isnan(x) first, g++ 12.2 at -O1
// and above dropped the masking altogether and returned x unchanged (reproduced in a 10-line
// program; tests/onnx/test_ops_scope.cpp's BFloat16TruncatesRuntimeValues guards it).
inline float truncate_to_bfloat16(float x) {
  const uint32_t bits = std::bit_cast<uint32_t>(x);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return x;
  return std::bit_cast<float>(bits & 0xFFFF0000u);
}

inline float bfloat16_bits_to_float(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f = 0;
  std::memcpy(&f, &bits, 4);
  return f;
}

inline float half_bits_to_float(uint16_t h) {
  const int sign = (h >> 15) != 0 ? -1 : 1, exp = (h >> 10) & 0x1F, man = h & 0x3FF;
  if (exp == 0x1F)
    return man != 0 ? std::numeric_limits<float>::quiet_NaN()
                    : sign * std::numeric_limits<float>::infinity();
  if (exp == 0) return static_cast<float>(sign * std::ldexp(man, -24));  // subnormal
  return static_cast<float>(sign * std::ldexp(1024 + man, exp - 25));
}

}  // namespace nabla::onnx
