// Shape and pooling arithmetic on absurd arguments (issue 8): reshape/view/expand/narrow/slice/
// cat/pad/chunk and the pooling output-size rules refuse sizes past int64 with a nabla::Error, or
// give PyTorch's answer where one exists (a huge slice step), instead of wrapping around.
// Nothing here allocates more than a few bytes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "nabla/ops/pool.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla {
namespace {

constexpr int64_t kMax = INT64_MAX;

class SizeOverflow : public ::testing::Test {
 protected:
  void SetUp() override { alarm(30); }  // a wrapped loop bound must fail, not hang ctest
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

Tensor four() { return Tensor::from_vector(std::vector<float>{1, 2, 3, 4}, {4}); }

TEST_F(SizeOverflow, ReshapeAndViewRefuseOverflowingShapes) {
  EXPECT_NE(error_of([] {
              reshape(four(), {kMax, 2, -1});
            }).find("overflows int64"),
            std::string::npos);
  EXPECT_NE(error_of([] { view(four(), {kMax, kMax}); }).find("int64"), std::string::npos);
  // 2^32 * 2^32 wraps to 0 with a plain multiply, which would "infer" any size for -1
  EXPECT_NE(error_of([] {
              reshape(four(), {int64_t(1) << 32, int64_t(1) << 32, -1});
            }).find("int64"),
            std::string::npos);
  EXPECT_EQ(reshape(four(), {2, -1}).shape(), (Shape{2, 2}));
}

TEST_F(SizeOverflow, ExpandRefusesElementCountsPastInt64) {
  Tensor one = Tensor::ones({1});
  EXPECT_NE(error_of([&] { expand(one, {kMax, 4}); }).find("int64"), std::string::npos);
  EXPECT_EQ(expand(one, {kMax}).numel(), kMax);  // a stride-0 view this large is fine
}

TEST_F(SizeOverflow, NarrowRefusesAWrappedRange) {
  // start + length used to wrap negative and pass the bounds check
  EXPECT_NE(error_of([] { narrow(four(), 0, 1, kMax); }).find("out of bounds"), std::string::npos);
  EXPECT_EQ(narrow(four(), 0, 1, 3).to_vector<float>(), (std::vector<float>{2, 3, 4}));
}

TEST_F(SizeOverflow, SliceWithAHugeStepTakesOneElement) {
  Tensor s = slice(four(), 0, 1, 4, kMax);  // PyTorch: x[1:4:huge] is x[1:2]
  EXPECT_EQ(s.shape(), (Shape{1}));
  EXPECT_EQ(s.to_vector<float>(), (std::vector<float>{2}));
  EXPECT_EQ(slice(four(), 0, 0, 4, 3).to_vector<float>(), (std::vector<float>{1, 4}));
}

TEST_F(SizeOverflow, CatAndPadRefuseSizesPastInt64) {
  Tensor big = expand(Tensor::ones({1}), {kMax / 2 + 1});
  EXPECT_NE(error_of([&] { cat({big, big}, 0); }).find("overflows int64"), std::string::npos);
  EXPECT_NE(error_of([] { pad(four(), {kMax, 1}); }).find("overflows int64"), std::string::npos);
}

TEST_F(SizeOverflow, ChunkWithHugeCountGivesSingleElements) {
  EXPECT_EQ(chunk(four(), kMax, 0).size(), 4u);
  EXPECT_EQ(chunk(four(), 3, 0).size(), 2u);
}

TEST_F(SizeOverflow, PoolingRefusesWindowsPastInt64) {
  Tensor x = Tensor::ones({1, 1, 4, 4});
  // padding within kernel/2, but input + 2 * padding overflows
  EXPECT_NE(error_of([&] {
              max_pool2d(x, {.kernel = {1, kMax}, .padding = {0, kMax / 2}});
            }).find("overflows int64"),
            std::string::npos);
  EXPECT_NE(
      error_of([&] { max_pool2d(x, {.kernel = 3, .dilation = kMax}); }).find("overflows int64"),
      std::string::npos);
  EXPECT_NE(error_of([&] { avg_pool2d(x, {.kernel = 2, .stride = kMax}); }).find("overflows int64"),
            std::string::npos);
  // a window of 2^64 cells: its avg-pool divisor would wrap to 0
  const int64_t k = int64_t(1) << 32;
  EXPECT_NE(
      error_of([&] { avg_pool2d(x, {.kernel = k, .padding = k / 2}); }).find("overflows int64"),
      std::string::npos);
  EXPECT_NE(error_of([&] { adaptive_avg_pool2d(x, {kMax, 1}); }).find("int64"), std::string::npos);
  EXPECT_NE(error_of([&] {
              max_pool1d(Tensor::ones({1, 1, 4}), {.kernel = 3, .dilation = kMax});
            }).find("overflows int64"),
            std::string::npos);
}

TEST_F(SizeOverflow, HugeMostlyPaddedPoolingWindowIsCheap) {
  // A 2^30-wide window over 4 columns, padding 2^29: PyTorch accepts it; the scan covers only
  // the input columns, so it returns at once.
  Tensor x = Tensor::from_vector(std::vector<float>{1, 5, 2, 3}, {1, 1, 1, 4});
  const int64_t k = int64_t(1) << 30;
  Tensor y = max_pool2d(x, {.kernel = {1, k}, .stride = 1, .padding = {0, k / 2}});
  ASSERT_EQ(y.shape(), (Shape{1, 1, 1, 5}));
  for (float v : y.to_vector<float>()) EXPECT_EQ(v, 5);
}

}  // namespace
}  // namespace nabla
