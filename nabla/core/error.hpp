// nabla::Error and the two kinds of checks (see DESIGN.md "Rules of the house"):
// NABLA_CHECK for user errors (throws with the op name and the actual values),
// NABLA_ASSERT for internal invariants (a bug in nabla, never user input).
#pragma once
#include <cassert>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace nabla {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown for unreadable or corrupt files (checkpoints, IDX, images, configs).
class IoError : public Error {
 public:
  using Error::Error;
};

// Thrown when a buffer cannot be allocated: out of memory, or a size no allocation can have.
// A nabla::Error (the CLI prints it and exits 1), with the byte count in the message.
class AllocError : public Error {
 public:
  using Error::Error;
};

namespace detail {
inline void stream_all(std::ostringstream&) {}
template <class T, class... Rest>
void stream_all(std::ostringstream& os, const T& v, const Rest&... rest) {
  os << v;
  stream_all(os, rest...);
}
template <class... Args>
[[noreturn]] void throw_error(const char* op, const Args&... args) {
  std::ostringstream os;
  os << op << ": ";
  stream_all(os, args...);
  throw Error(os.str());
}
}  // namespace detail

std::string shape_str(const std::vector<int64_t>& shape);

}  // namespace nabla

// NABLA_CHECK(cond, "conv2d", "expected ", a, " but got ", b)
#define NABLA_CHECK(cond, op, ...)                              \
  do {                                                          \
    if (!(cond)) ::nabla::detail::throw_error(op, __VA_ARGS__); \
  } while (0)

#define NABLA_ASSERT(cond) assert(cond)
