// The forms of in-scope ops that the node tests touch only once or not at all: Slice's negative
// steps (clamping, emptiness, gradients), integer Pow/Neg/Clip, MaxPool's Indices output and
// integer images, BatchNormalization's training mode, seeded training Dropout and the 16-bit
// float Casts. Expected values are numpy's (the ONNX reference's) for the same inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "nabla/onnx/half_float.hpp"
#include "nabla/onnx/tensor_io.hpp"
#include "nabla/ops/ops.hpp"
#include "op_runner.hpp"

namespace nabla::onnx {
namespace {

using namespace test;  // NOLINT: the builders

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

Tensor slice1(const Tensor& x, int64_t start, int64_t end, int64_t step) {
  return run_op(op_node("Slice", 5), 13,
                {x, i64({start}, {1}), i64({end}, {1}), i64({0}, {1}), i64({step}, {1})})[0];
}

TEST(OnnxScopeOps, SliceNegativeStepsClampAsNumpy) {
  const Tensor x = f64({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {10});
  EXPECT_EQ(values(slice1(x, 20, -20, -3)), (std::vector<double>{9, 6, 3, 0}));
  EXPECT_EQ(values(slice1(x, 8, 2, -2)), (std::vector<double>{8, 6, 4}));
  EXPECT_EQ(values(slice1(x, -3, -100, -1)), (std::vector<double>{7, 6, 5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(slice1(x, -1, -1, -1).numel(), 0);
  EXPECT_THROW(slice1(x, 0, 5, 0), Error);
  auto n = op_node("Slice", 5);
  const auto g = gradcheck_op(
      n, 13, {rand64({3, 4}, 2), i64({-1}, {1}), i64({0}, {1}), i64({1}, {1}), i64({-2}, {1})});
  EXPECT_TRUE(g.ok) << g.message;
}

TEST(OnnxScopeOps, IntegerPowNegClipKeepTheBaseType) {
  auto p = op_node("Pow", 2);
  const Tensor y = run_op(
      p, 15,
      {i64({2, -3, 5, 2}, {4}), Tensor::from_vector(std::vector<float>{3, 3, 0.5f, -1}, {4})})[0];
  EXPECT_EQ(y.dtype(), DType::Int64);
  EXPECT_EQ(values(y), (std::vector<double>{8, -27, 2, 0}));  // truncated as numpy's astype
  EXPECT_EQ(values(run_op(op_node("Neg"), 13, {i64({4, -7}, {2})})[0]),
            (std::vector<double>{-4, 7}));
  const Tensor c =
      run_op(op_node("Clip", 3), 13, {i64({-100, 5, 100}, {3}), i64({-3}, {}), i64({9}, {})})[0];
  EXPECT_EQ(c.dtype(), DType::Int64);
  EXPECT_EQ(values(c), (std::vector<double>{-3, 5, 9}));
}

TEST(OnnxScopeOps, MaxPoolIndicesAreFlatOverTheWholeTensorInBothStorageOrders) {
  // two channels of 2x3; 2x2 windows at stride 1: maxima 5@(0,1), 6@(1,2); 9@(0,0), 8@(1,2)
  const Tensor x = f64({1, 5, 2, 4, 3, 6, 9, 0, 0, 0, 0, 8}, {1, 2, 2, 3});
  for (int64_t order : {0, 1}) {
    auto n = op_node("MaxPool", 1, 2);
    set_ints(n, "kernel_shape", {2, 2});
    set_int(n, "storage_order", order);
    const auto out = run_op(n, 12, {x});
    EXPECT_EQ(values(out[0]), (std::vector<double>{5, 6, 9, 8}));
    EXPECT_EQ(out[1].dtype(), DType::Int64);
    const std::vector<double> want =
        order == 0 ? std::vector<double>{1, 5, 6, 11} : std::vector<double>{2, 5, 6, 11};
    EXPECT_EQ(values(out[1]), want) << "storage_order " << order;
  }
}

TEST(OnnxScopeOps, MaxPoolIndicesUndoThePadding) {
  // pads (top 1, left 1): nabla's argmax in the padded plane maps back to unpadded coordinates
  auto n = op_node("MaxPool", 1, 2);
  set_ints(n, "kernel_shape", {2, 2});
  std::vector<int64_t> pads(4, 0);  // {1, 1, 0, 0}
  pads[0] = pads[1] = 1;
  set_ints(n, "pads", pads);
  ASSERT_EQ(n.attribute(1).ints(2), 0);
  const auto out = run_op(n, 12, {f64({1, 5, 2, 4, 3, 6}, {1, 1, 2, 3})});
  EXPECT_EQ(values(out[0]), (std::vector<double>{1, 5, 5, 4, 5, 6}));
  EXPECT_EQ(values(out[1]), (std::vector<double>{0, 1, 1, 3, 1, 5}));
}

TEST(OnnxScopeOps, MaxPoolOnIntegersStaysInteger) {
  auto n = op_node("MaxPool");
  set_ints(n, "kernel_shape", {2});
  const Tensor y = run_op(n, 12, {i64({3, 255, 7, 0}, {1, 1, 4})})[0];
  EXPECT_EQ(y.dtype(), DType::Int64);
  EXPECT_EQ(values(y), (std::vector<double>{255, 255, 7}));
}

TEST(OnnxScopeOps, BatchNormTrainingUsesBatchStatisticsAndMovesTheRunningOnes) {
  auto n = op_node("BatchNormalization", 5, 3);
  set_int(n, "training_mode", 1);
  set_float(n, "epsilon", 0);
  set_float(n, "momentum", 0.9f);
  // one channel, batch {1, 3}: mean 2, biased var 1
  const auto out = run_op(
      n, 15, {f64({1, 3}, {2, 1}), f64({2}, {1}), f64({10}, {1}), f64({0}, {1}), f64({1}, {1})});
  EXPECT_EQ(values(out[0]), (std::vector<double>{8, 12}));
  EXPECT_NEAR(out[1].item(), 0.2, 1e-7);  // 0 * 0.9 + 2 * 0.1 (momentum is a float attribute)
  EXPECT_NEAR(out[2].item(), 1.0, 1e-7);
  set_float(n, "epsilon", 1e-3f);
  const auto g = gradcheck_op(
      n, 15,
      {rand64({3, 2, 2}, 3), rand64({2}, 4), rand64({2}, 5), f64({0, 0}, {2}), f64({1, 1}, {2})});
  EXPECT_TRUE(g.ok) << g.message;
}

TEST(OnnxScopeOps, TrainingDropoutWithASeedDrawsNumpysUniforms) {
  auto n = op_node("Dropout", 3, 2);
  set_int(n, "seed", 0);
  // numpy.random.seed(0); uniform(size=3) = 0.5488, 0.7152, 0.6028: ratio 0.6 drops the first
  const auto out = run_op(n, 13, {f64({1, 1, 1}, {3}), f64({0.6}, {}), i64({1}, {})});
  EXPECT_EQ(values(out[1]), (std::vector<double>{0, 1, 1}));
  EXPECT_NEAR(values(out[0])[1], 2.5, 1e-12);
  EXPECT_EQ(values(out[0])[0], 0);
  const auto zero = run_op(n, 13, {f64({1, 2}, {2}), f64({0}, {}), i64({1}, {})});
  EXPECT_EQ(values(zero[0]), (std::vector<double>{1, 2}));
  EXPECT_EQ(values(zero[1]), (std::vector<double>{1, 1}));
  EXPECT_THROW(run_op(n, 13, {f64({1}, {1}), f64({1}, {}), i64({1}, {})}), Error);
}

TEST(OnnxScopeOps, HalfRoundingTiesToEvenAndOverflows) {
  EXPECT_EQ(round_to_half(1 + std::ldexp(1, -11)), 1.0);  // a tie: to the even neighbour
  EXPECT_EQ(round_to_half(1 + 3 * std::ldexp(1, -11)), 1 + std::ldexp(1, -9));
  EXPECT_EQ(round_to_half(65519), 65504);
  EXPECT_TRUE(std::isinf(round_to_half(65520)));
  EXPECT_EQ(round_to_half(std::ldexp(1, -25)), 0);  // half the smallest subnormal
  EXPECT_EQ(round_to_half(3 * std::ldexp(1, -25)), std::ldexp(1, -23));
  EXPECT_EQ(truncate_to_bfloat16(1 + std::ldexp(1.0f, -7)), 1 + std::ldexp(1.0f, -7));
  EXPECT_EQ(truncate_to_bfloat16(1 + std::ldexp(1.0f, -8)), 1.0f);
  auto n = op_node("Cast");
  set_int(n, "to", ::onnx::TensorProto::FLOAT16);
  EXPECT_EQ(values(run_op(n, 13, {f64({0.1, 70000}, {2})})[0])[0], round_to_half(0.1));
}

// Values the compiler cannot fold: g++ 12.2 once dropped the masking of a runtime float at -O1.
TEST(OnnxScopeOps, BFloat16TruncatesRuntimeValues) {
  volatile float runtime[] = {0.47892547f, -0.81910545f, INFINITY, NAN};
  EXPECT_EQ(truncate_to_bfloat16(runtime[0]), 0.478515625f);
  EXPECT_EQ(truncate_to_bfloat16(runtime[1]), -0.81640625f);
  EXPECT_TRUE(std::isinf(truncate_to_bfloat16(runtime[2])));
  EXPECT_TRUE(std::isnan(truncate_to_bfloat16(runtime[3])));
  auto n = op_node("Cast");
  set_int(n, "to", ::onnx::TensorProto::BFLOAT16);
  EXPECT_EQ(values(run_op(n, 13, {f64({0.47892547, 3}, {2})})[0]),
            (std::vector<double>{0.478515625, 3}));
}

TEST(OnnxScopeOps, SixteenBitFloatTensorsLoadAsFloat32) {
  using TP = ::onnx::TensorProto;
  TP h;
  h.set_data_type(TP::FLOAT16);
  h.add_dims(4);
  const uint16_t bits[4] = {0x3C00, 0xC000, 0x0001, 0x7C00};
  h.set_raw_data(std::string(reinterpret_cast<const char*>(bits), 8));
  const auto v = values(tensor_from_proto(h, "h"));
  EXPECT_EQ(v[0], 1);
  EXPECT_EQ(v[1], -2);
  EXPECT_EQ(v[2], std::ldexp(1, -24));
  EXPECT_TRUE(std::isinf(v[3]));
  TP b;
  b.set_data_type(TP::BFLOAT16);
  b.add_dims(2);
  b.add_int32_data(0x3F80);
  b.add_int32_data(0xC040);
  EXPECT_EQ(values(tensor_from_proto(b, "b")), (std::vector<double>{1, -3}));
}

TEST(OnnxScopeOps, AUint16FileForABfloat16ValueReadsAsBfloat16Bits) {
  using TP = ::onnx::TensorProto;
  TP t;
  t.set_data_type(TP::UINT16);
  t.add_dims(1);
  const uint16_t bits = 0xC040;  // bfloat16 -3
  t.set_raw_data(std::string(reinterpret_cast<const char*>(&bits), 2));
  const auto path = (std::filesystem::temp_directory_path() / "nabla_onnx_bf16.pb").string();
  std::ofstream(path, std::ios::binary) << t.SerializeAsString();
  EXPECT_EQ(load_tensor_pb(path, TP::BFLOAT16).item(), -3);
  EXPECT_EQ(load_tensor_pb(path).item(), 0xC040);  // a plain UINT16 file: its integer values
  std::filesystem::remove(path);
}

TEST(OnnxScopeOps, CubicResizeKeepsIntegersPointsAndPassesGradients) {
  auto n = op_node("Resize", 3);
  set_string(n, "mode", "cubic");
  set_string(n, "coordinate_transformation_mode", "asymmetric");
  // asymmetric x2: even outputs sit on input points, whose cubic weight is 1 there and 0 elsewhere
  const Tensor x = f64({1, 4, 2, 8}, {1, 1, 1, 4});
  const auto y = values(run_op(n, 13, {x, f64({}, {0}), f64({1, 1, 1, 2}, {4})})[0]);
  ASSERT_EQ(y.size(), 8u);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[2 * i], values(x)[i], 1e-12);
  const auto g =
      gradcheck_op(n, 13, {rand64({1, 1, 3, 3}, 6), f64({}, {0}), f64({1, 1, 2, 2}, {4})});
  EXPECT_TRUE(g.ok) << g.message;
  EXPECT_THROW(run_op(n, 13, {i64({1, 2}, {1, 1, 1, 2}), f64({}, {0}), f64({1, 1, 1, 2}, {4})}),
               Unsupported);
}

// Brute-force 3-D max/average pool (average over the real cells only) of x (1, 1, D, H, W).
std::vector<double> pool3d_ref(const std::vector<double>& x, const Shape& in, const Shape& out,
                               const std::vector<int64_t>& k, const std::vector<int64_t>& st,
                               const std::vector<int64_t>& pad, bool is_max) {
  std::vector<double> y;
  for (int64_t a = 0; a < out[2]; ++a)
    for (int64_t b = 0; b < out[3]; ++b)
      for (int64_t c = 0; c < out[4]; ++c) {
        double best = -1e300, sum = 0;
        int cnt = 0;
        for (int64_t i = 0; i < k[0]; ++i)
          for (int64_t j = 0; j < k[1]; ++j)
            for (int64_t l = 0; l < k[2]; ++l) {
              const int64_t d = a * st[0] - pad[0] + i, h = b * st[1] - pad[1] + j,
                            w = c * st[2] - pad[2] + l;
              if (d < 0 || h < 0 || w < 0 || d >= in[2] || h >= in[3] || w >= in[4]) continue;
              const double v = x[static_cast<size_t>((d * in[3] + h) * in[4] + w)];
              best = std::max(best, v);
              sum += v;
              ++cnt;
            }
        y.push_back(is_max ? best : sum / cnt);
      }
  return y;
}

TEST(OnnxScopeOps, ThreeDPoolsAreSeparableAndMatchABruteForceLoop) {
  const Tensor x = rand64({1, 1, 3, 4, 5}, 7);
  for (const char* op : {"MaxPool", "AveragePool"}) {
    auto n = op_node(op);
    set_ints(n, "kernel_shape", {2, 2, 2});
    set_ints(n, "strides", {2, 1, 2});
    std::vector<int64_t> pads(6, 0);  // begin (1, 0, 1), end (0, 1, 0)
    pads[0] = pads[2] = pads[4] = 1;
    set_ints(n, "pads", pads);
    const Tensor y = run_op(n, 12, {x})[0];
    ASSERT_EQ(y.shape(), (Shape{1, 1, 2, 4, 3}));
    const auto want = pool3d_ref(values(x), x.shape(), y.shape(), {2, 2, 2}, {2, 1, 2}, {1, 0, 1},
                                 std::string(op) == "MaxPool");
    const auto got = values(y);
    for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << op << " " << i;
    const auto g = gradcheck_op(n, 12, {x});
    EXPECT_TRUE(g.ok) << op << ": " << g.message;
  }
}

}  // namespace
}  // namespace nabla::onnx
