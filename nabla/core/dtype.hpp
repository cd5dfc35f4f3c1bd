#pragma once
#include <cstddef>
#include <cstdint>

namespace nabla {

// Float32/Float64 carry values and gradients; Int64 carries indices and class labels.
enum class DType : uint8_t { Float32, Float64, Int64 };

constexpr size_t dtype_size(DType t) { return t == DType::Float32 ? 4 : 8; }
constexpr const char* dtype_name(DType t) {
  return t == DType::Float32 ? "float32" : t == DType::Float64 ? "float64" : "int64";
}
constexpr bool is_floating(DType t) { return t != DType::Int64; }

template <class T>
struct DTypeOf;
template <>
struct DTypeOf<float> {
  static constexpr DType value = DType::Float32;
};
template <>
struct DTypeOf<double> {
  static constexpr DType value = DType::Float64;
};
template <>
struct DTypeOf<int64_t> {
  static constexpr DType value = DType::Int64;
};

// Calls fn.template operator()<T>() with T the C++ type of dtype.
#define NABLA_DISPATCH(dtype, T, ...) \
  [&] {                               \
    switch (dtype) {                  \
      case ::nabla::DType::Float32: { \
        using T = float;              \
        return __VA_ARGS__();         \
      }                               \
      case ::nabla::DType::Float64: { \
        using T = double;             \
        return __VA_ARGS__();         \
      }                               \
      default: {                      \
        using T = int64_t;            \
        return __VA_ARGS__();         \
      }                               \
    }                                 \
  }()

#define NABLA_DISPATCH_FLOAT(dtype, T, ...)   \
  [&] {                                       \
    if ((dtype) == ::nabla::DType::Float64) { \
      using T = double;                       \
      return __VA_ARGS__();                   \
    }                                         \
    using T = float;                          \
    return __VA_ARGS__();                     \
  }()

}  // namespace nabla
