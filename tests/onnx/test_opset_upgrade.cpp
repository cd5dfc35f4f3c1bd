// Opset 1-6 models run as opset 7 (opset_upgrade.hpp): legacy `broadcast`/`axis` broadcasting
// becomes an Unsqueeze to numpy-style trailing alignment; undeclared ranks are refused by name.
#include <gtest/gtest.h>

#include "nabla/onnx/model.hpp"
#include "nabla/ops/ops.hpp"
#include "onnx_builders.hpp"

namespace nabla::onnx {
namespace {

using test::model;
using test::node;

::onnx::ModelProto legacy_add(bool declare_rank) {
  auto m = model(6, {"a", "b"}, {"y"});
  if (declare_rank) {
    for (int i = 0; i < 2; ++i) {
      auto* shape = m.mutable_graph()->mutable_input(i)->mutable_type()->mutable_tensor_type();
      shape->set_elem_type(::onnx::TensorProto::FLOAT);
      for (int64_t d : i == 0 ? Shape{2, 3, 4} : Shape{3})
        shape->mutable_shape()->add_dim()->set_dim_value(d);
    }
  }
  auto& add = node(m, "Add", {"a", "b"}, {"y"});
  for (const char* name : {"broadcast", "axis"}) {
    auto* at = add.add_attribute();
    at->set_name(name);
    at->set_type(::onnx::AttributeProto::INT);
    at->set_i(1);  // broadcast = 1, axis = 1: b runs along a's dim 1
  }
  return m;
}

TEST(OnnxOpsetUpgrade, LegacyAxisBroadcastAlignsBAtTheAxis) {
  OnnxModel m(legacy_add(true));
  EXPECT_EQ(m.opset(), 7);
  const Tensor a = Tensor::zeros({2, 3, 4});
  const Tensor b = Tensor::from_vector(std::vector<float>{1, 2, 3}, {3});
  const Tensor y = m.run(std::vector<Tensor>{a, b}).at(0);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(y.to_vector<float>()[4], 2.f);   // [0, 1, 0]: b[1]
  EXPECT_EQ(y.to_vector<float>()[23], 3.f);  // [1, 2, 3]: b[2]
}

TEST(OnnxOpsetUpgrade, UndeclaredRanksAreRefusedByName) {
  try {
    OnnxModel m(legacy_add(false));
    FAIL() << "accepted";
  } catch (const Unsupported& e) {
    EXPECT_NE(std::string(e.what()).find("ranks of 'a' and 'b' are not declared"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace nabla::onnx
