// Fast convolution kernels (cpu/conv.hpp, every engine) against the plain-loop reference over a
// randomized sweep of edge-case shapes, forward and every backward piece, float and double; and
// the output-size formula of the notes against a brute-force count of kernel placements.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "nabla/core/parallel.hpp"
#include "nabla/kernels/conv_params.hpp"
#include "nabla/kernels/cpu/conv.hpp"
#include "nabla/kernels/reference/conv.hpp"

namespace nabla::kernels {
namespace {

// Number of placements i >= 0 of a dilated kernel, stride apart, that fit entirely inside the
// padded input: counts what the formula claims to compute.
int64_t brute_output_size(int64_t in, int64_t k, int64_t s, int64_t pb, int64_t pa, int64_t d) {
  int64_t count = 0;
  for (int64_t start = 0; start + d * (k - 1) <= in + pb + pa - 1; start += s) ++count;
  return count;
}

std::string describe(const Conv2dParams& p) {
  std::ostringstream os;
  os << "N" << p.n << " C" << p.c << " " << p.h << "x" << p.w << " K" << p.k << " k" << p.kh << "x"
     << p.kw << " s" << p.stride_h << "," << p.stride_w << " pad t" << p.pad_top << " b"
     << p.pad_bottom << " l" << p.pad_left << " r" << p.pad_right << " d" << p.dilation_h << ","
     << p.dilation_w << " g" << p.groups << " -> " << p.oh << "x" << p.ow;
  return os.str();
}

template <class T>
std::vector<T> random_vec(int64_t n, std::mt19937& rng) {
  std::normal_distribution<double> dist(0.0, 1.0);
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& e : v) e = static_cast<T>(dist(rng));
  return v;
}

template <class T>
std::vector<T> poisoned(int64_t n) {  // outputs start as NaN: kernels must overwrite every element
  return std::vector<T>(static_cast<size_t>(n), std::numeric_limits<T>::quiet_NaN());
}

template <class T>
::testing::AssertionResult close(const std::vector<T>& got, const std::vector<T>& want,
                                 const std::string& what) {
  const double tol = std::is_same_v<T, float> ? 2e-4 : 1e-10;
  for (size_t i = 0; i < want.size(); ++i) {
    const double g = got[i], w = want[i];
    if (!(std::abs(g - w) <= tol * (1 + std::abs(w))))
      return ::testing::AssertionFailure()
             << what << ": element " << i << " got " << g << " want " << w;
  }
  return ::testing::AssertionSuccess();
}

struct EngineCase {
  cpu::ConvEngine engine;
  const char* name;
};
const EngineCase kEngines[] = {{cpu::ConvEngine::Auto, "auto"},
                               {cpu::ConvEngine::Im2colGemm, "im2col"},
                               {cpu::ConvEngine::Dnnl, "dnnl"},
                               {cpu::ConvEngine::Direct, "direct"}};

class EngineScope {
 public:
  explicit EngineScope(cpu::ConvEngine e) : prev_(cpu::conv_engine()) { cpu::set_conv_engine(e); }
  ~EngineScope() { cpu::set_conv_engine(prev_); }

 private:
  cpu::ConvEngine prev_;
};

template <class T>
void check_conv2d(const Conv2dParams& p, std::mt19937& rng) {
  const auto x = random_vec<T>(p.x_numel(), rng), w = random_vec<T>(p.w_numel(), rng);
  const auto b = random_vec<T>(p.k, rng), dy = random_vec<T>(p.y_numel(), rng);
  auto y_ref = poisoned<T>(p.y_numel()), dx_ref = poisoned<T>(p.x_numel());
  auto dw_ref = poisoned<T>(p.w_numel()), db_ref = poisoned<T>(p.k);
  reference::conv2d_forward(p, x.data(), w.data(), b.data(), y_ref.data());
  reference::conv2d_backward_input(p, dy.data(), w.data(), dx_ref.data());
  reference::conv2d_backward_weight(p, x.data(), dy.data(), dw_ref.data());
  reference::conv2d_backward_bias(p, dy.data(), db_ref.data());
  auto y_nob_ref = poisoned<T>(p.y_numel());
  reference::conv2d_forward<T>(p, x.data(), w.data(), nullptr, y_nob_ref.data());
  for (const auto& ec : kEngines) {
    EngineScope scope(ec.engine);
    const std::string tag = describe(p) + " [" + ec.name + "]";
    auto y = poisoned<T>(p.y_numel()), y_nob = poisoned<T>(p.y_numel());
    auto dx = poisoned<T>(p.x_numel()), dw = poisoned<T>(p.w_numel()), db = poisoned<T>(p.k);
    auto dw2 = poisoned<T>(p.w_numel()), db2 = poisoned<T>(p.k);
    cpu::conv2d_forward(p, x.data(), w.data(), b.data(), y.data());
    cpu::conv2d_forward<T>(p, x.data(), w.data(), nullptr, y_nob.data());
    cpu::conv2d_backward_input(p, dy.data(), w.data(), dx.data());
    cpu::conv2d_backward_weight(p, x.data(), dy.data(), dw.data());
    cpu::conv2d_backward_bias(p, dy.data(), db.data());
    cpu::conv2d_backward_weight_bias(p, x.data(), dy.data(), dw2.data(), db2.data());
    EXPECT_TRUE(close(y, y_ref, "forward " + tag));
    EXPECT_TRUE(close(dw2, dw_ref, "backward weight (fused with bias) " + tag));
    EXPECT_TRUE(close(db2, db_ref, "backward bias (fused with weight) " + tag));
    EXPECT_TRUE(close(y_nob, y_nob_ref, "forward no bias " + tag));
    EXPECT_TRUE(close(dx, dx_ref, "backward input " + tag));
    EXPECT_TRUE(close(dw, dw_ref, "backward weight " + tag));
    EXPECT_TRUE(close(db, db_ref, "backward bias " + tag));
  }
}

template <class T>
void check_conv_transpose2d(const ConvTranspose2dParams& p, std::mt19937& rng) {
  const auto x = random_vec<T>(p.x_numel(), rng), w = random_vec<T>(p.w_numel(), rng);
  const auto b = random_vec<T>(p.k, rng), dy = random_vec<T>(p.y_numel(), rng);
  auto y_ref = poisoned<T>(p.y_numel()), dx_ref = poisoned<T>(p.x_numel());
  auto dw_ref = poisoned<T>(p.w_numel()), db_ref = poisoned<T>(p.k);
  reference::conv_transpose2d_forward(p, x.data(), w.data(), b.data(), y_ref.data());
  reference::conv_transpose2d_backward_input(p, dy.data(), w.data(), dx_ref.data());
  reference::conv_transpose2d_backward_weight(p, x.data(), dy.data(), dw_ref.data());
  reference::conv_transpose2d_backward_bias(p, dy.data(), db_ref.data());
  for (const auto& ec : kEngines) {
    EngineScope scope(ec.engine);
    const std::string tag = "transposed " + describe(p.as_conv2d()) + " op" +
                            std::to_string(p.output_padding_h) + "," +
                            std::to_string(p.output_padding_w) + " [" + ec.name + "]";
    auto y = poisoned<T>(p.y_numel()), dx = poisoned<T>(p.x_numel());
    auto dw = poisoned<T>(p.w_numel()), db = poisoned<T>(p.k);
    cpu::conv_transpose2d_forward(p, x.data(), w.data(), b.data(), y.data());
    cpu::conv_transpose2d_backward_input(p, dy.data(), w.data(), dx.data());
    cpu::conv_transpose2d_backward_weight(p, x.data(), dy.data(), dw.data());
    cpu::conv_transpose2d_backward_bias(p, dy.data(), db.data());
    EXPECT_TRUE(close(y, y_ref, "forward " + tag));
    EXPECT_TRUE(close(dx, dx_ref, "backward input " + tag));
    EXPECT_TRUE(close(dw, dw_ref, "backward weight " + tag));
    EXPECT_TRUE(close(db, db_ref, "backward bias " + tag));
  }
}

// Random conv2d shapes: batch 1..3, odd sizes, strides and dilations up to 3, asymmetric
// padding up to 4 (often more than the kernel's reach), groups including depthwise.
Conv2dParams random_conv(std::mt19937& rng) {
  auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  for (;;) {
    Conv2dParams p;
    p.n = r(1, 3);
    p.groups = r(1, 3);
    const bool depthwise = r(0, 3) == 0;
    p.c = p.groups * (depthwise ? 1 : r(1, 3));
    p.k = p.groups * r(1, 3);
    p.h = r(1, 9);
    p.w = r(1, 9);
    p.kh = r(1, 4);
    p.kw = r(1, 4);
    p.stride_h = r(1, 3);
    p.stride_w = r(1, 3);
    p.dilation_h = r(1, 3);
    p.dilation_w = r(1, 3);
    p.pad_top = r(0, 4);
    p.pad_bottom = r(0, 1) ? p.pad_top : r(0, 4);
    p.pad_left = r(0, 4);
    p.pad_right = r(0, 1) ? p.pad_left : r(0, 4);
    p.finalize();
    if (p.oh >= 1 && p.ow >= 1) return p;
  }
}

// Handpicked shapes: the layers the benchmarks and LeNet use (scaled down in batch), 1x1,
// depthwise, and ones big enough that the batch is split across threads.
std::vector<Conv2dParams> named_convs() {
  std::vector<Conv2dParams> v;
  auto add = [&](int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t kh, int64_t kw,
                 int64_t s, int64_t pad, int64_t d, int64_t g) {
    Conv2dParams p;
    p.n = n;
    p.c = c;
    p.h = h;
    p.w = w;
    p.k = k;
    p.kh = kh;
    p.kw = kw;
    p.stride_h = p.stride_w = s;
    p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = pad;
    p.dilation_h = p.dilation_w = d;
    p.groups = g;
    v.push_back(p.finalize());
  };
  add(4, 1, 28, 28, 6, 5, 5, 1, 2, 1, 1);    // LeNet conv1
  add(4, 6, 14, 14, 16, 5, 5, 1, 0, 1, 1);   // LeNet conv2
  add(3, 16, 12, 12, 16, 3, 3, 1, 1, 1, 1);  // ResNet-style 3x3
  add(3, 16, 12, 12, 32, 3, 3, 2, 1, 1, 1);  // strided
  add(3, 16, 12, 12, 16, 3, 3, 1, 2, 2, 1);  // dilated
  add(2, 16, 7, 9, 24, 1, 1, 1, 0, 1, 1);    // 1x1 (columns are the input itself)
  add(2, 16, 7, 9, 24, 1, 1, 2, 0, 1, 1);    // 1x1 strided
  add(2, 16, 9, 9, 16, 3, 3, 1, 1, 1, 16);   // depthwise
  add(2, 16, 9, 9, 32, 3, 3, 1, 1, 1, 4);    // grouped
  add(1, 3, 5, 5, 2, 5, 5, 1, 0, 1, 1);      // kernel == input
  add(2, 2, 3, 3, 2, 2, 2, 1, 6, 1, 1);      // padding far beyond the kernel
  add(2, 1, 9, 45, 3, 3, 4, 1, 1, 2, 1);     // one input channel (direct kernel), rows > one block
  add(3, 1, 33, 33, 5, 3, 3, 1, 0, 1, 1);    // one input channel, row of 31 = one partial block
  Conv2dParams d;  // one input channel, vertical stride, asymmetric padding
  d.n = 2;
  d.c = 1;
  d.h = 10;
  d.w = 7;
  d.k = 4;
  d.kh = 4;
  d.kw = 3;
  d.stride_h = 3;
  d.pad_top = 2;
  d.pad_bottom = 0;
  d.pad_left = 0;
  d.pad_right = 3;
  d.dilation_w = 2;
  v.push_back(d.finalize());
  Conv2dParams p;  // asymmetric, non-square everything
  p.n = 2;
  p.c = 4;
  p.h = 11;
  p.w = 6;
  p.k = 6;
  p.kh = 3;
  p.kw = 2;
  p.stride_h = 2;
  p.stride_w = 1;
  p.pad_top = 0;
  p.pad_bottom = 2;
  p.pad_left = 3;
  p.pad_right = 1;
  p.dilation_h = 1;
  p.dilation_w = 2;
  p.groups = 2;
  v.push_back(p.finalize());
  return v;
}

ConvTranspose2dParams random_conv_transpose(std::mt19937& rng) {
  auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  for (;;) {
    ConvTranspose2dParams p;
    p.n = r(1, 3);
    p.groups = r(1, 3);
    p.c = p.groups * r(1, 3);
    p.k = p.groups * (r(0, 3) == 0 ? 1 : r(1, 3));
    p.h = r(1, 7);
    p.w = r(1, 7);
    p.kh = r(1, 4);
    p.kw = r(1, 4);
    p.stride_h = r(1, 3);
    p.stride_w = r(1, 3);
    p.dilation_h = r(1, 3);
    p.dilation_w = r(1, 3);
    p.pad_top = p.pad_bottom = r(0, 3);
    p.pad_left = p.pad_right = r(0, 3);
    // PyTorch's rule: output_padding < stride or < dilation
    p.output_padding_h = r(0, std::max(p.stride_h, p.dilation_h) - 1);
    p.output_padding_w = r(0, std::max(p.stride_w, p.dilation_w) - 1);
    p.finalize();
    if (p.oh >= 1 && p.ow >= 1) return p;
  }
}

TEST(ConvKernels, OutputSizeFormulaMatchesBruteForce) {
  for (int64_t in = 1; in <= 12; ++in)
    for (int64_t k = 1; k <= 5; ++k)
      for (int64_t s = 1; s <= 3; ++s)
        for (int64_t d = 1; d <= 3; ++d)
          for (int64_t pb = 0; pb <= 4; ++pb)
            for (int64_t pa = 0; pa <= 4; ++pa) {
              EXPECT_EQ(conv_output_size(in, k, s, pb, pa, d),
                        brute_output_size(in, k, s, pb, pa, d))
                  << "in " << in << " k " << k << " s " << s << " d " << d << " pads " << pb << ","
                  << pa;
              // the transposed size inverts it: a conv over the transposed output gives `in` back
              for (int64_t op = 0; op < std::max(s, d); ++op) {
                const int64_t t = conv_transpose_output_size(in, k, s, pb, pa, d, op);
                if (t < 1 || op >= s) continue;
                EXPECT_EQ(conv_output_size(t, k, s, pb, pa, d), in)
                    << "transposed in " << in << " k " << k << " s " << s << " d " << d << " op "
                    << op;
              }
            }
  // the notes' example: 32x32 input, 5x5 kernel, no padding, stride 1 -> 28x28
  EXPECT_EQ(conv_output_size(32, 5, 1, 0, 0, 1), 28);
  EXPECT_EQ(conv_output_size(7, 3, 2, 1, 1, 1), 4);
  EXPECT_EQ(conv_output_size(7, 3, 1, 2, 2, 2), 7);  // dilation 2 with padding 2 keeps the size
  EXPECT_EQ(conv_output_size(2, 5, 1, 0, 0, 1), 0);  // kernel larger than the input
  EXPECT_EQ(conv_transpose_output_size(28, 4, 2, 1, 1, 1, 0), 56);
}

TEST(ConvKernels, Conv2dFastMatchesReferenceRandomSweep) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 60; ++i) {
    const auto p = random_conv(rng);
    ASSERT_EQ(p.oh,
              brute_output_size(p.h, p.kh, p.stride_h, p.pad_top, p.pad_bottom, p.dilation_h));
    ASSERT_EQ(p.ow,
              brute_output_size(p.w, p.kw, p.stride_w, p.pad_left, p.pad_right, p.dilation_w));
    if (i % 2)
      check_conv2d<float>(p, rng);
    else
      check_conv2d<double>(p, rng);
  }
}

TEST(ConvKernels, Conv2dFastMatchesReferenceNamedShapes) {
  std::mt19937 rng(99);
  for (const auto& p : named_convs()) {
    check_conv2d<float>(p, rng);
    check_conv2d<double>(p, rng);
  }
}

TEST(ConvKernels, Conv2dFastMatchesReferenceSingleThread) {
  // the batch-split path above runs with every thread; this covers the serial path too
  const int prev = get_num_threads();
  set_num_threads(1);
  std::mt19937 rng(5);
  for (const auto& p : named_convs()) check_conv2d<float>(p, rng);
  set_num_threads(prev);
}

TEST(ConvKernels, ConvTranspose2dFastMatchesReferenceRandomSweep) {
  std::mt19937 rng(4321);
  for (int i = 0; i < 50; ++i) {
    const auto p = random_conv_transpose(rng);
    if (i % 2)
      check_conv_transpose2d<float>(p, rng);
    else
      check_conv_transpose2d<double>(p, rng);
  }
}

TEST(ConvKernels, ConvTranspose2dFastMatchesReferenceNamedShapes) {
  std::mt19937 rng(7);
  ConvTranspose2dParams p;  // the FCN-style 2x upsampler of the benchmark, smaller
  p.n = 2;
  p.c = 16;
  p.h = 7;
  p.w = 7;
  p.k = 8;
  p.kh = p.kw = 4;
  p.stride_h = p.stride_w = 2;
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 1;
  check_conv_transpose2d<float>(p.finalize(), rng);
  check_conv_transpose2d<double>(p, rng);
  p.output_padding_h = 1;
  p.output_padding_w = 0;
  p.groups = 4;
  p.dilation_w = 2;
  check_conv_transpose2d<float>(p.finalize(), rng);
  check_conv_transpose2d<double>(p, rng);
  ConvTranspose2dParams q;  // output_padding >= stride, allowed because dilation is larger
  q.n = 1;
  q.c = 3;
  q.h = 4;
  q.w = 5;
  q.k = 2;
  q.kh = 3;
  q.kw = 2;
  q.stride_h = 1;
  q.stride_w = 2;
  q.dilation_h = 3;
  q.dilation_w = 1;
  q.output_padding_h = 2;
  q.output_padding_w = 1;
  check_conv_transpose2d<float>(q.finalize(), rng);
  check_conv_transpose2d<double>(q, rng);
}

}  // namespace
}  // namespace nabla::kernels
