// Overflow-checked size arithmetic. Sizes, strides and byte counts derived from user input
// (configs, file headers, op arguments) go through these, so an absurd request becomes a
// nabla::Error naming the values instead of a wrapped product that hangs or corrupts memory.
#pragma once
#include <cstddef>
#include <cstdint>

#include "nabla/core/error.hpp"

namespace nabla {

// a * b; throws "<op>: <what> overflows int64: a * b" on overflow.
inline int64_t checked_mul(int64_t a, int64_t b, const char* op, const char* what) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r))
    detail::throw_error(op, what, " overflows int64: ", a, " * ", b);
  return r;
}

inline int64_t checked_add(int64_t a, int64_t b, const char* op, const char* what) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r))
    detail::throw_error(op, what, " overflows int64: ", a, " + ", b);
  return r;
}

inline int64_t checked_sub(int64_t a, int64_t b, const char* op, const char* what) {
  int64_t r;
  if (__builtin_sub_overflow(a, b, &r))
    detail::throw_error(op, what, " overflows int64: ", a, " - ", b);
  return r;
}

// numel * element size in bytes, for an allocation; numel must be >= 0.
inline size_t checked_nbytes(int64_t numel, size_t elem_size, const char* op) {
  NABLA_CHECK(numel >= 0, op, "negative element count ", numel);
  size_t r;
  if (__builtin_mul_overflow(static_cast<size_t>(numel), elem_size, &r) ||
      r > static_cast<size_t>(INT64_MAX))
    detail::throw_error(op, numel, " elements of ", elem_size, " bytes overflow the byte count");
  return r;
}

}  // namespace nabla
