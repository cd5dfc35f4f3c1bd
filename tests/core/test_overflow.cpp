// Size arithmetic on absurd requests: element counts, byte counts and pool size classes must
// refuse with a nabla::Error naming the problem, never wrap around (a wrapped size class looped
// forever; a wrapped element count allocated a wrong-sized buffer). Nothing here allocates more
// than a few bytes: every case is refused before memory is asked for (so it also holds under
// AddressSanitizer, which aborts on huge allocations).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <string>

#include "nabla/core/checked.hpp"
#include "nabla/core/storage.hpp"
#include "nabla/core/tensor.hpp"

namespace nabla {
namespace {

// Before the fix some of these cases spun forever; SIGALRM turns a hang into a failure.
class Overflow : public ::testing::Test {
 protected:
  void SetUp() override { alarm(30); }
  void TearDown() override { alarm(0); }
};

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

constexpr int64_t kMax = INT64_MAX;

TEST_F(Overflow, ShapeNumelRefusesProductsPastInt64) {
  EXPECT_EQ(shape_numel({3, 4}), 12);
  EXPECT_EQ(shape_numel({}), 1);
  EXPECT_EQ(shape_numel({kMax}), kMax);
  EXPECT_NE(error_of([] {
              shape_numel({kMax, 64});
            }).find("more elements than fit in int64"),
            std::string::npos);
  // 2^64 wraps to exactly 0 with a plain multiply
  EXPECT_NE(error_of([] {
              shape_numel({65536, 65536, 65536, 65536});
            }).find("int64"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              shape_numel({int64_t(1) << 32, int64_t(1) << 32});
            }).find("int64"),
            std::string::npos);
}

TEST_F(Overflow, ShapeNumelWithAZeroIsZeroHoweverLargeTheRest) {
  EXPECT_EQ(shape_numel({kMax, kMax, 0}), 0);
  EXPECT_EQ(shape_numel({0, kMax, kMax}), 0);
  Tensor t = Tensor::empty({kMax, 0, kMax});
  EXPECT_EQ(t.numel(), 0);
}

TEST_F(Overflow, ShapeNumelRefusesNegativeSizes) {
  EXPECT_NE(error_of([] { shape_numel({2, -3}); }).find("non-negative"), std::string::npos);
  EXPECT_NE(error_of([] { shape_numel({-1, -1}); }).find("non-negative"), std::string::npos);
  EXPECT_NE(error_of([] { Tensor::empty({4, -2}); }).find("non-negative"), std::string::npos);
}

TEST_F(Overflow, EmptyRefusesElementCountsPastInt64) {
  // The config-file case of issue 8: a Linear layer with out = 2^63 - 1 and 64 inputs.
  const std::string e = error_of([] { Tensor::empty({kMax, 64}); });
  EXPECT_NE(e.find("[9223372036854775807, 64]"), std::string::npos) << e;
}

TEST_F(Overflow, EmptyRefusesByteCountsPastInt64) {
  // the element count fits, the byte count does not
  EXPECT_NE(error_of([] { Tensor::empty({kMax}, DType::Float32); }).find("byte count"),
            std::string::npos);
  EXPECT_NE(error_of([] { Tensor::empty({int64_t(1) << 61}, DType::Float64); }).find("byte count"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              Tensor::zeros({kMax / 2, 2}, DType::Int64);
            }).find("byte count"),
            std::string::npos);
}

TEST_F(Overflow, StorageRefusesSizesNoAllocationCanHave) {
  // size_class used to double a power of two until it wrapped to 0, then loop forever
  for (size_t n : {SIZE_MAX, SIZE_MAX - 63, size_t(INT64_MAX) + 1}) {
    const std::string e = error_of([n] { Storage s(n); });
    EXPECT_NE(e.find("cannot allocate " + std::to_string(n) + " bytes"), std::string::npos) << e;
  }
  EXPECT_THROW(Storage s(SIZE_MAX), AllocError);
}

TEST_F(Overflow, StorageSizeClassesStillWork) {
  for (size_t n :
       {size_t(0), size_t(1), size_t(64), size_t(4097), size_t(1) << 20, (size_t(1) << 20) + 1}) {
    Storage s(n);
    EXPECT_EQ(s.nbytes(), n);
    EXPECT_NE(s.data(), nullptr);
  }
}

TEST_F(Overflow, ArangeAndRandintRefuseRangesPastInt64) {
  EXPECT_NE(error_of([] { Tensor::arange(0, 1e30, 1); }).find("arange"), std::string::npos);
  EXPECT_NE(error_of([] { Tensor::arange(0, INFINITY, 1); }).find("finite"), std::string::npos);
  EXPECT_NE(error_of([] { Tensor::randint(INT64_MIN, kMax, {2}); }).find("overflows int64"),
            std::string::npos);
  EXPECT_EQ(Tensor::arange(0, 5, 1).numel(), 5);
}

TEST_F(Overflow, CheckedHelpers) {
  EXPECT_EQ(checked_mul(1 << 20, 1 << 20, "t", "x"), int64_t(1) << 40);
  EXPECT_EQ(checked_add(kMax - 1, 1, "t", "x"), kMax);
  EXPECT_THROW(checked_mul(kMax, 2, "t", "x"), Error);
  EXPECT_THROW(checked_add(kMax, 1, "t", "x"), Error);
  EXPECT_THROW(checked_sub(INT64_MIN, 1, "t", "x"), Error);
  EXPECT_EQ(checked_nbytes(10, 8, "t"), 80u);
  EXPECT_THROW(checked_nbytes(-1, 8, "t"), Error);
  EXPECT_THROW(checked_nbytes(kMax, 2, "t"), Error);
  EXPECT_NE(error_of([] {
              checked_mul(kMax, 3, "conv2d", "the output size");
            }).find("conv2d: the output size overflows int64: 9223372036854775807 * 3"),
            std::string::npos);
}

}  // namespace
}  // namespace nabla
