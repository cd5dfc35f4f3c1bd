// Pooling kernels: output-size rules, hand-worked cases for the reference, and the fast CPU
// kernels against the reference over a randomized sweep of edge-case shapes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "nabla/kernels/cpu/pool.hpp"
#include "nabla/kernels/pool_params.hpp"
#include "nabla/kernels/reference/pool.hpp"

namespace ref = nabla::kernels::reference;
namespace fast = nabla::kernels::cpu;
using nabla::kernels::adaptive_pool_end;
using nabla::kernels::adaptive_pool_start;
using nabla::kernels::AdaptivePool2dParams;
using nabla::kernels::Pool2dParams;
using nabla::kernels::pool_output_size;

namespace {

// ------------------------------------------------------------------ output sizes

TEST(PoolOutputSize, FloorMode) {
  EXPECT_EQ(pool_output_size(4, 2, 2, 0, 1, false), 2);
  EXPECT_EQ(pool_output_size(5, 2, 2, 0, 1, false), 2);  // last partial window dropped
  EXPECT_EQ(pool_output_size(56, 2, 2, 0, 1, false), 28);
  EXPECT_EQ(pool_output_size(7, 3, 2, 1, 1, false), 4);  // (7+2-2-1)/2+1
  EXPECT_EQ(pool_output_size(7, 3, 1, 0, 2, false), 3);  // dilation: extent 5
  EXPECT_EQ(pool_output_size(1, 1, 3, 0, 1, false), 1);
  EXPECT_EQ(pool_output_size(2, 3, 1, 0, 1, false), 0);   // kernel larger than input
  EXPECT_EQ(pool_output_size(2, 2, 1, 0, 3, false), -1);  // floor rounds toward -inf
}

TEST(PoolOutputSize, CeilMode) {
  EXPECT_EQ(pool_output_size(5, 2, 2, 0, 1, true), 3);  // partial last window kept
  EXPECT_EQ(pool_output_size(4, 2, 2, 0, 1, true), 2);  // exact fit: same as floor
  EXPECT_EQ(pool_output_size(6, 3, 2, 1, 1, true), 4);  // last window starts at 5 < 6
  // ceil would give 3 windows starting at -1, 1, 3 = H: the last starts in the right padding
  EXPECT_EQ(pool_output_size(3, 2, 2, 1, 1, true), 2);
  EXPECT_EQ(pool_output_size(5, 2, 2, 1, 1, true), 3);
  EXPECT_EQ(pool_output_size(10, 3, 3, 1, 2, true), 4);  // floor gives 3
}

TEST(PoolOutputSize, AdaptiveWindows) {
  // in 5 -> out 3: [0,2) [1,4) [3,5): windows overlap and cover the input
  EXPECT_EQ(adaptive_pool_start(0, 5, 3), 0);
  EXPECT_EQ(adaptive_pool_end(0, 5, 3), 2);
  EXPECT_EQ(adaptive_pool_start(1, 5, 3), 1);
  EXPECT_EQ(adaptive_pool_end(1, 5, 3), 4);
  EXPECT_EQ(adaptive_pool_start(2, 5, 3), 3);
  EXPECT_EQ(adaptive_pool_end(2, 5, 3), 5);
  // out > in repeats cells: in 2 -> out 3: [0,1) [0,2) [1,2)
  EXPECT_EQ(adaptive_pool_start(1, 2, 3), 0);
  EXPECT_EQ(adaptive_pool_end(1, 2, 3), 2);
  // out == 1 is the whole dim (global pooling)
  EXPECT_EQ(adaptive_pool_start(0, 7, 1), 0);
  EXPECT_EQ(adaptive_pool_end(0, 7, 1), 7);
}

// ------------------------------------------------------------------ hand-worked reference cases

Pool2dParams plane_params(int64_t h, int64_t w, int64_t k, int64_t s, int64_t pad,
                          bool ceil = false) {
  Pool2dParams p;
  p.in_h = h, p.in_w = w, p.kernel_h = p.kernel_w = k, p.stride_h = p.stride_w = s;
  p.pad_h = p.pad_w = pad;
  p.out_h = pool_output_size(h, k, s, pad, 1, ceil);
  p.out_w = pool_output_size(w, k, s, pad, 1, ceil);
  return p;
}

TEST(PoolReference, MaxPoolByHand) {
  // x = 0..15 as 4x4, k2 s2: maxima are the bottom-right of each block
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[i] = float(i);
  Pool2dParams p = plane_params(4, 4, 2, 2, 0);
  std::vector<float> y(4);
  std::vector<int64_t> idx(4);
  ref::max_pool2d_forward(p, x.data(), y.data(), idx.data());
  EXPECT_EQ(y, (std::vector<float>{5, 7, 13, 15}));
  EXPECT_EQ(idx, (std::vector<int64_t>{5, 7, 13, 15}));
  // padding never wins, even against negative values
  for (auto& v : x) v = -v - 1;
  Pool2dParams q = plane_params(4, 4, 3, 2, 1);  // 2x2 outputs
  ref::max_pool2d_forward(q, x.data(), y.data(), idx.data());
  EXPECT_EQ(y, (std::vector<float>{-1, -2, -5, -6}));  // a zero-padded pool would give 0
  EXPECT_EQ(idx, (std::vector<int64_t>{0, 1, 4, 5}));
  // backward routes each gradient to its argmax
  std::vector<float> gy{1, 2, 3, 4}, gx(16);
  ref::max_pool2d_backward(q, gy.data(), idx.data(), gx.data());
  EXPECT_EQ(gx[0], 1);
  EXPECT_EQ(gx[1], 2);
  EXPECT_EQ(gx[4], 3);
  EXPECT_EQ(gx[5], 4);
  EXPECT_EQ(gx[2], 0);
}

TEST(PoolReference, MaxPoolTiesAndNaN) {
  std::vector<double> x{2, 2, 2, 2};  // a tie: the first cell wins
  Pool2dParams p = plane_params(2, 2, 2, 1, 0);
  std::vector<double> y(1);
  std::vector<int64_t> idx(1);
  ref::max_pool2d_forward(p, x.data(), y.data(), idx.data());
  EXPECT_EQ(idx[0], 0);
  x[2] = std::numeric_limits<double>::quiet_NaN();  // NaN propagates, as in PyTorch
  ref::max_pool2d_forward(p, x.data(), y.data(), idx.data());
  EXPECT_TRUE(std::isnan(y[0]));
  EXPECT_EQ(idx[0], 2);
}

TEST(PoolReference, AvgPoolDivisors) {
  std::vector<double> x(9, 1.0), y(9);
  Pool2dParams p = plane_params(3, 3, 3, 1, 1);  // 3x3 outputs
  p.count_include_pad = true;
  ref::avg_pool2d_forward(p, x.data(), y.data());
  EXPECT_DOUBLE_EQ(y[0], 4.0 / 9);  // corner: 4 real cells, 9 counted
  EXPECT_DOUBLE_EQ(y[1], 6.0 / 9);
  EXPECT_DOUBLE_EQ(y[4], 1.0);
  p.count_include_pad = false;
  ref::avg_pool2d_forward(p, x.data(), y.data());
  for (double v : y) EXPECT_DOUBLE_EQ(v, 1.0);
  p.divisor_override = 2;
  ref::avg_pool2d_forward(p, x.data(), y.data());
  EXPECT_DOUBLE_EQ(y[0], 2.0);
  EXPECT_DOUBLE_EQ(y[4], 4.5);
  // ceil mode: a window hanging past the right padding counts only up to the padding
  std::vector<double> x5(5, 1.0), y3(3);
  Pool2dParams c;
  c.in_h = 1, c.in_w = 5, c.kernel_w = 2, c.stride_w = 2, c.out_h = 1;
  c.out_w = pool_output_size(5, 2, 2, 0, 1, true);
  ASSERT_EQ(c.out_w, 3);
  ref::avg_pool2d_forward(c, x5.data(), y3.data());
  EXPECT_DOUBLE_EQ(y3[2], 1.0);  // window [4,6) clipped to [4,5): divisor 1, not 2
}

TEST(PoolReference, AdaptiveByHand) {
  // 1x5 -> 1x3: windows [0,2) [1,4) [3,5)
  std::vector<double> x{1, 2, 3, 4, 5}, y(3);
  std::vector<int64_t> idx(3);
  AdaptivePool2dParams p;
  p.in_h = 1, p.in_w = 5, p.out_h = 1, p.out_w = 3;
  ref::adaptive_avg_pool2d_forward(p, x.data(), y.data());
  EXPECT_DOUBLE_EQ(y[0], 1.5);
  EXPECT_DOUBLE_EQ(y[1], 3.0);
  EXPECT_DOUBLE_EQ(y[2], 4.5);
  ref::adaptive_max_pool2d_forward(p, x.data(), y.data(), idx.data());
  EXPECT_EQ(y, (std::vector<double>{2, 4, 5}));
  EXPECT_EQ(idx, (std::vector<int64_t>{1, 3, 4}));
  std::vector<double> gy{1, 1, 1}, gx(5);
  ref::adaptive_avg_pool2d_backward(p, gy.data(), gx.data());
  EXPECT_DOUBLE_EQ(gx[1], 0.5 + 1.0 / 3);  // in windows 0 and 1
  EXPECT_DOUBLE_EQ(gx[3], 1.0 / 3 + 0.5);
}

// ------------------------------------------------------------------ fast == reference sweep

struct Case {
  Pool2dParams p;
  bool ceil_mode = false;
  std::string describe() const {
    std::ostringstream os;
    os << "N" << p.batch << " C" << p.channels << " " << p.in_h << "x" << p.in_w << " k"
       << p.kernel_h << "x" << p.kernel_w << " s" << p.stride_h << "x" << p.stride_w << " p"
       << p.pad_h << "x" << p.pad_w << " d" << p.dilation_h << "x" << p.dilation_w << " ceil"
       << ceil_mode << " incl" << p.count_include_pad << " div" << p.divisor_override << " -> "
       << p.out_h << "x" << p.out_w;
    return os.str();
  }
};

// Random parameters PyTorch accepts (pad <= kernel/2, output >= 1); `dilated` for max pooling.
std::vector<Case> random_cases(std::mt19937& rng, int count, bool dilated) {
  auto uni = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  std::vector<Case> cases;
  while (static_cast<int>(cases.size()) < count) {
    Case c;
    Pool2dParams& p = c.p;
    p.batch = uni(1, 3), p.channels = uni(1, 3);
    p.in_h = uni(1, 13), p.in_w = uni(1, 13);
    if (cases.size() % 16 == 0) p.in_w = uni(250, 600);  // rows longer than the vector chunk
    p.kernel_h = uni(1, 4), p.kernel_w = uni(1, 4);
    p.stride_h = uni(1, 3), p.stride_w = uni(1, 3);
    p.pad_h = uni(0, p.kernel_h / 2), p.pad_w = uni(0, p.kernel_w / 2);
    p.dilation_h = dilated ? uni(1, 3) : 1, p.dilation_w = dilated ? uni(1, 3) : 1;
    c.ceil_mode = uni(0, 1);
    p.count_include_pad = uni(0, 1);
    p.divisor_override = uni(0, 5) == 0 ? uni(1, 7) : 0;
    p.out_h = pool_output_size(p.in_h, p.kernel_h, p.stride_h, p.pad_h, p.dilation_h, c.ceil_mode);
    p.out_w = pool_output_size(p.in_w, p.kernel_w, p.stride_w, p.pad_w, p.dilation_w, c.ceil_mode);
    if (p.out_h < 1 || p.out_w < 1) continue;
    cases.push_back(c);
  }
  return cases;
}

// Values with frequent ties (small integers) and, when `nans`, a few NaNs.
template <class T>
std::vector<T> random_values(std::mt19937& rng, int64_t n, bool ties, bool nans) {
  std::vector<T> v(n);
  std::uniform_real_distribution<double> u(-2, 2);
  std::uniform_int_distribution<int> small(-3, 3), pick(0, 40);
  for (auto& e : v) {
    e = ties ? T(small(rng)) : T(u(rng));
    if (nans && pick(rng) == 0) e = std::numeric_limits<T>::quiet_NaN();
  }
  return v;
}

template <class T>
bool same_value(T a, T b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

template <class T>
::testing::AssertionResult close(const std::vector<T>& fast_out, const std::vector<T>& ref_out,
                                 double tol) {
  if (fast_out.size() != ref_out.size()) return ::testing::AssertionFailure() << "size differs";
  for (size_t i = 0; i < ref_out.size(); ++i) {
    const double a = fast_out[i], b = ref_out[i];
    if (std::isnan(a) && std::isnan(b)) continue;
    if (a == b) continue;  // also equal infinities
    if (!(std::abs(a - b) <= tol * (1 + std::abs(b))))
      return ::testing::AssertionFailure()
             << "element " << i << ": fast " << a << " vs reference " << b;
  }
  return ::testing::AssertionSuccess();
}

template <class T>
void sweep_max(int count, uint32_t seed) {
  std::mt19937 rng(seed);
  const double tol = std::is_same_v<T, float> ? 1e-6 : 1e-13;
  for (const Case& c : random_cases(rng, count, /*dilated=*/true)) {
    SCOPED_TRACE(c.describe());
    const Pool2dParams& p = c.p;
    const int64_t in_n = p.planes() * p.in_h * p.in_w, out_n = p.planes() * p.out_h * p.out_w;
    const bool ties = rng() % 2, nans = rng() % 4 == 0;
    auto x = random_values<T>(rng, in_n, ties, nans);
    std::vector<T> y_ref(out_n), y_fast(out_n), y_noidx(out_n);
    std::vector<int64_t> i_ref(out_n), i_fast(out_n);
    ref::max_pool2d_forward(p, x.data(), y_ref.data(), i_ref.data());
    fast::max_pool2d_forward(p, x.data(), y_fast.data(), i_fast.data());
    fast::max_pool2d_forward<T>(p, x.data(), y_noidx.data(), nullptr);
    for (int64_t i = 0; i < out_n; ++i) {
      ASSERT_TRUE(same_value(y_fast[i], y_ref[i]))
          << "output " << i << ": " << y_fast[i] << " vs " << y_ref[i];
      ASSERT_TRUE(same_value(y_noidx[i], y_ref[i])) << "output (no indices) " << i;
      ASSERT_EQ(i_fast[i], i_ref[i]) << "index of output " << i;
    }
    auto gy = random_values<T>(rng, out_n, false, false);
    std::vector<T> gx_ref(in_n), gx_fast(in_n, T(7));  // fast must overwrite, not accumulate
    ref::max_pool2d_backward(p, gy.data(), i_ref.data(), gx_ref.data());
    fast::max_pool2d_backward(p, gy.data(), i_fast.data(), gx_fast.data());
    ASSERT_TRUE(close(gx_fast, gx_ref, tol));
  }
}

template <class T>
void sweep_avg(int count, uint32_t seed) {
  std::mt19937 rng(seed);
  const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
  for (const Case& c : random_cases(rng, count, /*dilated=*/false)) {
    SCOPED_TRACE(c.describe());
    const Pool2dParams& p = c.p;
    const int64_t in_n = p.planes() * p.in_h * p.in_w, out_n = p.planes() * p.out_h * p.out_w;
    auto x = random_values<T>(rng, in_n, false, false);
    std::vector<T> y_ref(out_n), y_fast(out_n);
    ref::avg_pool2d_forward(p, x.data(), y_ref.data());
    fast::avg_pool2d_forward(p, x.data(), y_fast.data());
    ASSERT_TRUE(close(y_fast, y_ref, tol));
    auto gy = random_values<T>(rng, out_n, false, false);
    std::vector<T> gx_ref(in_n), gx_fast(in_n, T(7));
    ref::avg_pool2d_backward(p, gy.data(), gx_ref.data());
    fast::avg_pool2d_backward(p, gy.data(), gx_fast.data());
    ASSERT_TRUE(close(gx_fast, gx_ref, tol));
  }
}

template <class T>
void sweep_adaptive(int count, uint32_t seed) {
  std::mt19937 rng(seed);
  auto uni = [&](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
  for (int n = 0; n < count; ++n) {
    AdaptivePool2dParams p;
    p.batch = uni(1, 3), p.channels = uni(1, 3);
    p.in_h = uni(1, 17), p.in_w = uni(1, 17);
    p.out_h = n % 5 == 0 ? 1 : uni(1, 9), p.out_w = n % 5 == 0 ? 1 : uni(1, 9);  // global too
    SCOPED_TRACE(::testing::Message() << "N" << p.batch << " C" << p.channels << " " << p.in_h
                                      << "x" << p.in_w << " -> " << p.out_h << "x" << p.out_w);
    const int64_t in_n = p.planes() * p.in_h * p.in_w, out_n = p.planes() * p.out_h * p.out_w;
    auto x = random_values<T>(rng, in_n, rng() % 2, rng() % 4 == 0);
    std::vector<T> y_ref(out_n), y_fast(out_n);
    std::vector<int64_t> i_ref(out_n), i_fast(out_n);
    ref::adaptive_max_pool2d_forward(p, x.data(), y_ref.data(), i_ref.data());
    fast::adaptive_max_pool2d_forward(p, x.data(), y_fast.data(), i_fast.data());
    for (int64_t i = 0; i < out_n; ++i) {
      ASSERT_TRUE(same_value(y_fast[i], y_ref[i])) << "max output " << i;
      ASSERT_EQ(i_fast[i], i_ref[i]) << "index of output " << i;
    }
    auto gy = random_values<T>(rng, out_n, false, false);
    std::vector<T> gx_ref(in_n), gx_fast(in_n, T(7));
    ref::adaptive_max_pool2d_backward(p, gy.data(), i_ref.data(), gx_ref.data());
    fast::adaptive_max_pool2d_backward(p, gy.data(), i_fast.data(), gx_fast.data());
    ASSERT_TRUE(close(gx_fast, gx_ref, tol));

    x = random_values<T>(rng, in_n, false, false);
    ref::adaptive_avg_pool2d_forward(p, x.data(), y_ref.data());
    fast::adaptive_avg_pool2d_forward(p, x.data(), y_fast.data());
    ASSERT_TRUE(close(y_fast, y_ref, tol));
    std::fill(gx_fast.begin(), gx_fast.end(), T(7));
    ref::adaptive_avg_pool2d_backward(p, gy.data(), gx_ref.data());
    fast::adaptive_avg_pool2d_backward(p, gy.data(), gx_fast.data());
    ASSERT_TRUE(close(gx_fast, gx_ref, tol));
  }
}

TEST(PoolKernels, MaxFastMatchesReferenceFloat) { sweep_max<float>(300, 1); }
TEST(PoolKernels, MaxFastMatchesReferenceDouble) { sweep_max<double>(150, 2); }
TEST(PoolKernels, AvgFastMatchesReferenceFloat) { sweep_avg<float>(300, 3); }
TEST(PoolKernels, AvgFastMatchesReferenceDouble) { sweep_avg<double>(150, 4); }
TEST(PoolKernels, AdaptiveFastMatchesReferenceFloat) { sweep_adaptive<float>(200, 5); }
TEST(PoolKernels, AdaptiveFastMatchesReferenceDouble) { sweep_adaptive<double>(100, 6); }

// The benchmark shape, k2 s2 on even sizes: every column is interior (the vector path only).
TEST(PoolKernels, MaxBenchShapeMatchesReference) {
  Pool2dParams p = plane_params(56, 56, 2, 2, 0);
  p.batch = 2, p.channels = 8;
  std::mt19937 rng(7);
  auto x = random_values<float>(rng, p.planes() * 56 * 56, false, false);
  const int64_t out_n = p.planes() * 28 * 28;
  std::vector<float> y_ref(out_n), y_fast(out_n);
  std::vector<int64_t> i_ref(out_n), i_fast(out_n);
  ref::max_pool2d_forward(p, x.data(), y_ref.data(), i_ref.data());
  fast::max_pool2d_forward(p, x.data(), y_fast.data(), i_fast.data());
  EXPECT_EQ(y_fast, y_ref);
  EXPECT_EQ(i_fast, i_ref);
}

}  // namespace
