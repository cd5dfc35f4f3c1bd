// Gather/GatherElements/ScatterElements, Expand/Tile/Range/ConstantOfShape, TopK and Hardmax run
// as single nodes: what the node tests leave out (gradients, opset forms, tie order, the mul
// reduction) and the errors for bad indices.
#include <gtest/gtest.h>

#include <limits>

#include "nabla/onnx/tensor_io.hpp"
#include "nabla/ops/ops.hpp"
#include "op_runner.hpp"

namespace nabla::onnx {
namespace {

using namespace test;  // NOLINT: the builders

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

TEST(OnnxIndexOps, GatherWrapsNegativeIndicesAndPassesGradients) {
  auto n = op_node("Gather", 2);
  set_int(n, "axis", 1);
  const Tensor x = f64({0, 1, 2, 10, 11, 12}, {2, 3});
  const Tensor y = run_op(n, 13, {x, i64({-1, 0, 2, 2}, {2, 2})})[0];
  EXPECT_EQ(y.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(values(y), (std::vector<double>{2, 0, 2, 2, 12, 10, 12, 12}));
  const auto g = gradcheck_op(n, 13, {rand64({2, 3}, 1), i64({-1, 0, 2, 2}, {2, 2})});
  EXPECT_TRUE(g.ok) << g.message;
}

TEST(OnnxIndexOps, AnIndexOutOfRangeIsAnErrorNamingTheNode) {
  auto n = op_node("Gather", 2);
  try {
    run_op(n, 13, {f64({1, 2, 3}, {3}), i64({3}, {1})});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Gather node 'n_Gather' (opset 13)"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("index 3 is out of range"), std::string::npos);
  }
  auto ge = op_node("GatherElements", 2);
  EXPECT_THROW(run_op(ge, 13, {f64({1, 2, 3, 4}, {2, 2}), i64({-3, 0}, {1, 2})}), Error);
  EXPECT_THROW(run_op(ge, 13, {f64({1, 2, 3, 4}, {2, 2}), i64({0, 0, 0}, {1, 3})}), Error);
}

TEST(OnnxIndexOps, GatherElementsPassesGradients) {
  auto n = op_node("GatherElements", 2);
  set_int(n, "axis", -1);
  const Tensor idx = i64({2, 0, -1, 1, 1, 0}, {2, 3});
  EXPECT_EQ(values(run_op(n, 13, {f64({1, 2, 3, 4, 5, 6}, {2, 3}), idx})[0]),
            (std::vector<double>{3, 1, 3, 5, 5, 4}));
  const auto g = gradcheck_op(n, 13, {rand64({2, 3}, 2), idx});
  EXPECT_TRUE(g.ok) << g.message;
}

TEST(OnnxIndexOps, ScatterElementsReductions) {
  const Tensor x = f64({1, 2, 3, 4}, {1, 4});
  const Tensor idx = i64({1, 1, -1}, {1, 3}), upd = f64({10, 20, 30}, {1, 3});
  auto n = op_node("ScatterElements", 3);
  set_int(n, "axis", 1);
  // none: the later duplicate wins
  EXPECT_EQ(values(run_op(n, 16, {x, idx, upd})[0]), (std::vector<double>{1, 20, 3, 30}));
  auto mul = n;
  set_string(mul, "reduction", "mul");
  EXPECT_EQ(values(run_op(mul, 16, {x, idx, upd})[0]), (std::vector<double>{1, 400, 3, 120}));
  auto add = n;
  set_string(add, "reduction", "add");
  EXPECT_EQ(values(run_op(add, 16, {x, idx, upd})[0]), (std::vector<double>{1, 32, 3, 34}));
  auto max = n;
  set_string(max, "reduction", "max");
  EXPECT_THROW(run_op(max, 16, {x, idx, upd}), Unsupported);
  EXPECT_THROW(run_op(n, 16, {x, idx, f64({1, 2}, {1, 2})}), Error);  // updates shape
  // the data itself is left alone
  EXPECT_EQ(values(x), (std::vector<double>{1, 2, 3, 4}));
}

TEST(OnnxIndexOps, ScatterElementsPassesGradientsToDataAndUpdatesAndRunsOnIntegers) {
  // duplicates (1 twice, 0 twice) so every reduction's layers are exercised
  const Tensor idx = i64({1, 0, 1, 0, 2, 2}, {3, 2});
  for (const char* r : {"none", "add", "mul"}) {
    auto n = op_node("ScatterElements", 3);
    set_string(n, "reduction", r);
    const auto g = gradcheck_op(n, 16, {rand64({3, 2}, 11), idx, rand64({3, 2}, 12)});
    EXPECT_TRUE(g.ok) << r << ": " << g.message;
  }
  auto add = op_node("ScatterElements", 3);
  set_string(add, "reduction", "add");
  EXPECT_EQ(
      values(run_op(add, 16,
                    {i64({1, 2, 3, 4}, {2, 2}), i64({1, 1}, {1, 2}), i64({10, 20}, {1, 2})})[0]),
      (std::vector<double>{1, 2, 13, 24}));
  // an inf in the data where an update lands does not leak through (no inf * 0)
  auto none = op_node("ScatterElements", 3);
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(values(run_op(none, 16, {f64({inf, 1}, {2}), i64({0}, {1}), f64({5}, {1})})[0]),
            (std::vector<double>{5, 1}));
}

TEST(OnnxIndexOps, ExpandBroadcastsBothWaysAndSumsGradients) {
  auto n = op_node("Expand", 2);
  // the shape may be shorter than the input and have 1 where the input is larger
  const Tensor y = run_op(n, 13, {f64({1, 2, 3}, {3, 1}), i64({2, 1, 1}, {3})})[0];
  EXPECT_EQ(y.shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(run_op(n, 13, {f64({1, 2, 3}, {3, 1}), i64({4}, {1})})[0].shape(), (Shape{3, 4}));
  EXPECT_THROW(run_op(n, 13, {f64({1, 2, 3}, {3, 1}), i64({2, 1}, {2})}), Error);
  const auto g = gradcheck_op(n, 13, {rand64({3, 1}, 3), i64({2, 3, 4}, {3})});
  EXPECT_TRUE(g.ok) << g.message;
}

TEST(OnnxIndexOps, TileRepeatsWholeBlocksAndSumsGradients) {
  auto n = op_node("Tile", 2);
  const Tensor y = run_op(n, 13, {f64({1, 2, 3, 4}, {2, 2}), i64({2, 3}, {2})})[0];
  EXPECT_EQ(y.shape(), (Shape{4, 6}));
  EXPECT_EQ(values(slice(y, 0, 0, 1)), (std::vector<double>{1, 2, 1, 2, 1, 2}));
  EXPECT_EQ(values(slice(y, 0, 2, 3)), (std::vector<double>{1, 2, 1, 2, 1, 2}));
  EXPECT_THROW(run_op(n, 13, {f64({1, 2}, {2}), i64({2, 2}, {2})}), Error);
  const auto g = gradcheck_op(n, 13, {rand64({2, 3}, 4), i64({3, 2}, {2})});
  EXPECT_TRUE(g.ok) << g.message;
}

TEST(OnnxIndexOps, RangeAndConstantOfShape) {
  auto r = op_node("Range", 3);
  auto s = [](double v, DType dt) { return Tensor::scalar(v, dt); };
  const Tensor a = run_op(r, 11, {s(10, DType::Int64), s(4, DType::Int64), s(-3, DType::Int64)})[0];
  EXPECT_EQ(a.dtype(), DType::Int64);
  EXPECT_EQ(values(a), (std::vector<double>{10, 7}));
  EXPECT_EQ(
      run_op(r, 11, {s(1, DType::Float32), s(1, DType::Float32), s(1, DType::Float32)})[0].numel(),
      0);
  EXPECT_THROW(run_op(r, 11, {s(0, DType::Float32), s(1, DType::Float32), s(0, DType::Float32)}),
               Error);
  auto k = op_node("ConstantOfShape");
  *attr(k, "value", ::onnx::AttributeProto::TENSOR)->mutable_t() =
      tensor_to_proto(Tensor::scalar(7, DType::Int64).reshape({1}), "v");
  const Tensor c = run_op(k, 11, {i64({2, 3}, {2})})[0];
  EXPECT_EQ(c.dtype(), DType::Int64);
  EXPECT_EQ(values(c), std::vector<double>(6, 7));
  EXPECT_THROW(run_op(k, 11, {i64({1 << 20, 1 << 20}, {2})}), Error);  // 2^40 elements
}

TEST(OnnxIndexOps, TopKBreaksTiesByLowerIndexAndTakesKFromTheOpset) {
  const Tensor x = f64({3, 1, 3, 2, 1}, {1, 5});
  auto n = op_node("TopK", 2, 2);
  auto out = run_op(n, 11, {x, i64({3}, {1})});
  EXPECT_EQ(values(out[0]), (std::vector<double>{3, 3, 2}));
  EXPECT_EQ(values(out[1]), (std::vector<double>{0, 2, 3}));
  auto small = n;
  set_int(small, "largest", 0);
  out = run_op(small, 11, {x, i64({2}, {1})});
  EXPECT_EQ(values(out[1]), (std::vector<double>{1, 4}));
  // opset 9: k is an attribute and there is one input
  auto v9 = op_node("TopK", 1, 2);
  set_int(v9, "k", 1);
  set_int(v9, "axis", 0);
  out = run_op(v9, 9, {f64({1, 5, 4, 2}, {2, 2})});
  EXPECT_EQ(values(out[0]), (std::vector<double>{4, 5}));
  EXPECT_EQ(values(out[1]), (std::vector<double>{1, 0}));
  EXPECT_THROW(run_op(n, 11, {x, i64({6}, {1})}), Error);
  const auto g = gradcheck_op(n, 11, {rand64({3, 4}, 5), i64({2}, {1})});
  EXPECT_TRUE(g.ok) << g.message;
}

TEST(OnnxIndexOps, HardmaxFlattensBeforeOpset13) {
  const Tensor x = f64({1, 5, 2, 0, 3, 4}, {1, 2, 3});
  auto n = op_node("Hardmax");
  set_int(n, "axis", 1);
  // opset 11: the 6 values after axis 1 are one row
  EXPECT_EQ(values(run_op(n, 11, {x})[0]), (std::vector<double>{0, 1, 0, 0, 0, 0}));
  // opset 13: along axis 1 alone (size 2)
  EXPECT_EQ(values(run_op(n, 13, {x})[0]), (std::vector<double>{1, 1, 0, 0, 0, 1}));
}

}  // namespace
}  // namespace nabla::onnx
