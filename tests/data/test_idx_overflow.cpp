// encode_idx on a shape whose element count wraps past 2^64: it used to compute 0 bytes, accept
// an empty buffer and write a header no reader accepts. (The reader's header checks are in
// test_idx.cpp.)
#include <gtest/gtest.h>

#include <string>

#include "nabla/data/idx.hpp"

namespace nabla::data {
namespace {

TEST(IdxOverflow, EncodeRefusesShapesPastInt64) {
  IdxArray a;
  a.type = IdxType::UInt8;
  a.shape = {65536, 65536, 65536, 65536};  // 2^64 elements: a plain product is exactly 0
  try {
    encode_idx(a);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("more elements than fit in int64"), std::string::npos)
        << e.what();
  }
  a.shape = {4294967295u, 4294967295u};  // (2^32 - 1)^2 overflows int64 as well
  EXPECT_THROW(encode_idx(a), Error);
  EXPECT_THROW(a.to_tensor(DType::Float32), Error);
}

}  // namespace
}  // namespace nabla::data
