// ONNX conformance node tests of the training operators (ai.onnx.preview.training Adagrad,
// Adam, Momentum) from Debian's libonnx-testdata, reproduced with nabla's optimizers:
//   Adagrad  -> optim::Adagrad (lr = R, lr_decay = decay_factor, weight_decay = norm_coefficient,
//               eps = epsilon), state: step = T, sum = H
//   Momentum -> optim::SGD (lr = R, momentum = alpha, dampening = T > 0 ? 1 - beta : 0,
//               weight_decay = norm_coefficient, nesterov = mode == "nesterov"), state:
//               momentum_buffer = V, so the first ONNX step already uses V as PyTorch's
//               later steps do
//   Adam     -> functional::adam_step: ONNX applies no bias correction at T = 0 and puts eps
//               outside the bias-corrected root, so the bias corrections and eps are mapped
//               explicitly; X_new is then scaled by 1 - norm_coefficient_post.
// Needs tests/optim_onnx.cmake (ONNX headers and libraries); otherwise one skipped test.
#include <gtest/gtest.h>

#ifdef NABLA_HAVE_ONNX
#include <onnx/onnx_pb.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#endif

#include "nabla/optim/optim.hpp"
#include "tests/support/fixtures.hpp"

namespace nabla::optim {
namespace {

#ifndef NABLA_HAVE_ONNX

TEST(OnnxOptimizers, NotConfigured) {
  GTEST_SKIP() << "built without tests/optim_onnx.cmake (ONNX protobuf support)";
}

#else

namespace fs = std::filesystem;

Tensor from_proto(const onnx::TensorProto& t, const std::string& file) {
  Shape shape(t.dims().begin(), t.dims().end());
  const int64_t n = shape_numel(shape);
  const std::string& raw = t.raw_data();
  auto check_size = [&](size_t got, size_t elem) {
    NABLA_CHECK(got == static_cast<size_t>(n) * elem, "onnx test", file, ": expected ", n,
                " elements, found ", got / elem);
  };
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT: {
      if (!raw.empty()) {
        check_size(raw.size(), 4);
        return Tensor::from_buffer(raw.data(), shape, DType::Float32);
      }
      std::vector<float> v(t.float_data().begin(), t.float_data().end());
      check_size(v.size() * 4, 4);
      return Tensor::from_vector(v, shape);
    }
    case onnx::TensorProto::DOUBLE: {
      if (!raw.empty()) {
        check_size(raw.size(), 8);
        return Tensor::from_buffer(raw.data(), shape, DType::Float64);
      }
      std::vector<double> v(t.double_data().begin(), t.double_data().end());
      check_size(v.size() * 8, 8);
      return Tensor::from_vector(v, shape);
    }
    case onnx::TensorProto::INT64: {
      if (!raw.empty()) {
        check_size(raw.size(), 8);
        return Tensor::from_buffer(raw.data(), shape, DType::Int64);
      }
      std::vector<int64_t> v(t.int64_data().begin(), t.int64_data().end());
      check_size(v.size() * 8, 8);
      return Tensor::from_vector(v, shape);
    }
    default:
      detail::throw_error("onnx test", file, ": unsupported data type ", t.data_type());
  }
}

// One node test: the node (op type, attributes) and its named inputs and expected outputs.
struct NodeCase {
  std::string op_type;
  std::map<std::string, const onnx::AttributeProto*> attrs;
  onnx::ModelProto model;
  std::vector<std::string> input_names, output_names;
  std::vector<Tensor> inputs, outputs;

  float attr_f(const std::string& name, float fallback) const {
    auto it = attrs.find(name);
    return it == attrs.end() ? fallback : it->second->f();
  }
  std::string attr_s(const std::string& name, const std::string& fallback) const {
    auto it = attrs.find(name);
    return it == attrs.end() ? fallback : it->second->s();
  }
};

bool read_case(const std::string& test, NodeCase& c) {
  const fs::path dir = fs::path(NABLA_ONNX_NODE_DATA) / test;
  std::ifstream mf(dir / "model.onnx", std::ios::binary);
  if (!mf) return false;
  NABLA_CHECK(c.model.ParseFromIstream(&mf), "onnx test", "cannot parse ",
              (dir / "model.onnx").string());
  NABLA_CHECK(c.model.graph().node_size() == 1, "onnx test", test, ": expected one node");
  const auto& node = c.model.graph().node(0);
  c.op_type = node.op_type();
  for (const auto& a : node.attribute()) c.attrs[a.name()] = &a;
  c.input_names.assign(node.input().begin(), node.input().end());
  c.output_names.assign(node.output().begin(), node.output().end());
  auto load = [&](const std::string& kind, size_t count, std::vector<Tensor>& out) {
    for (size_t i = 0; i < count; ++i) {
      const fs::path p = dir / "test_data_set_0" / (kind + std::to_string(i) + ".pb");
      std::ifstream f(p, std::ios::binary);
      NABLA_CHECK(static_cast<bool>(f), "onnx test", "missing ", p.string());
      onnx::TensorProto t;
      NABLA_CHECK(t.ParseFromIstream(&f), "onnx test", "cannot parse ", p.string());
      out.push_back(from_proto(t, p.string()));
    }
  };
  load("input_", c.input_names.size(), c.inputs);
  load("output_", c.output_names.size(), c.outputs);
  return true;
}

// Inputs R, T, then `groups` lists of n tensors each (X..., G..., V..., H...).
struct Unpacked {
  double r = 0;
  int64_t t = 0;
  size_t n = 0;
  std::vector<std::vector<Tensor> > lists;
};
Unpacked unpack(const NodeCase& c, size_t groups) {
  Unpacked u;
  u.r = c.inputs.at(0).item();
  u.t = static_cast<int64_t>(c.inputs.at(1).item());
  EXPECT_EQ((c.inputs.size() - 2) % groups, 0u);
  u.n = (c.inputs.size() - 2) / groups;
  for (size_t g = 0; g < groups; ++g)
    u.lists.emplace_back(c.inputs.begin() + 2 + g * u.n, c.inputs.begin() + 2 + (g + 1) * u.n);
  return u;
}

std::vector<Tensor> as_params(const std::vector<Tensor>& xs, const std::vector<Tensor>& gs) {
  std::vector<Tensor> params;
  for (size_t i = 0; i < xs.size(); ++i) {
    Tensor p = xs[i].clone_data();
    p.set_requires_grad(true);
    p.set_grad(gs[i].clone_data());
    params.push_back(p);
  }
  return params;
}

void expect_outputs(const NodeCase& c, const std::vector<Tensor>& got, const std::string& test) {
  ASSERT_EQ(got.size(), c.outputs.size()) << test;
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_TRUE(test::all_close(got[i], c.outputs[i], 1e-5, 1e-6))
        << test << " output " << c.output_names[i];
}

// Loads the per-parameter state (`buffer` = tensors, step = T) into an optimizer.
void load_state(Optimizer& opt, const std::string& buffer, const std::vector<Tensor>& values,
                int64_t t) {
  StateDict d = opt.state_dict();
  for (size_t k = 0; k < values.size(); ++k) {
    d["state." + std::to_string(k) + ".step"] =
        Tensor::from_vector(std::vector<double>{static_cast<double>(t)}, Shape{1});
    d["state." + std::to_string(k) + "." + buffer] = values[k];
  }
  opt.load_state_dict(d);
}

Tensor state_of(const Optimizer& opt, size_t k, const std::string& buffer) {
  return opt.state_dict().at("state." + std::to_string(k) + "." + buffer);
}

void run_adagrad(const std::string& test) {
  NodeCase c;
  if (!read_case(test, c)) GTEST_SKIP() << "no ONNX test data for " << test;
  ASSERT_EQ(c.op_type, "Adagrad");
  Unpacked u = unpack(c, 3);  // X, G, H
  auto params = as_params(u.lists[0], u.lists[1]);
  Adagrad opt(params, {.lr = u.r,
                       .lr_decay = c.attr_f("decay_factor", 0),
                       .weight_decay = c.attr_f("norm_coefficient", 0),
                       .eps = c.attr_f("epsilon", 1e-6)});
  // Our clr uses (step - 1) after the increment, ONNX uses T: so the state's step is T.
  load_state(opt, "sum", u.lists[2], u.t);
  opt.step();
  std::vector<Tensor> got = params;
  for (size_t k = 0; k < u.n; ++k) got.push_back(state_of(opt, k, "sum"));
  expect_outputs(c, got, test);
}

void run_momentum(const std::string& test) {
  NodeCase c;
  if (!read_case(test, c)) GTEST_SKIP() << "no ONNX test data for " << test;
  ASSERT_EQ(c.op_type, "Momentum");
  Unpacked u = unpack(c, 3);  // X, G, V
  auto params = as_params(u.lists[0], u.lists[1]);
  const double beta = c.attr_f("beta", 1);
  const std::string mode = c.attr_s("mode", "standard");
  ASSERT_TRUE(mode == "standard" || mode == "nesterov") << mode;
  SGD opt(params, {.lr = u.r,
                   .momentum = c.attr_f("alpha", 0),
                   .dampening = u.t > 0 ? 1 - beta : 0.0,
                   .weight_decay = c.attr_f("norm_coefficient", 0),
                   .nesterov = mode == "nesterov"});
  load_state(opt, "momentum_buffer", u.lists[2], u.t);
  opt.step();
  std::vector<Tensor> got = params;
  for (size_t k = 0; k < u.n; ++k) got.push_back(state_of(opt, k, "momentum_buffer"));
  expect_outputs(c, got, test);
}

// Outputs X_new..., V_new..., H_new... of an ONNX Adam node; eps < 0 takes the model's epsilon.
std::vector<Tensor> adam_outputs(const NodeCase& c, double eps = -1) {
  Unpacked u = unpack(c, 4);  // X, G, V, H
  const double alpha = c.attr_f("alpha", 0.9), beta = c.attr_f("beta", 0.999);
  if (eps < 0) eps = c.attr_f("epsilon", 1e-6);
  const double post = c.attr_f("norm_coefficient_post", 0);
  // ONNX: r = T > 0 ? R sqrt(1 - beta^T) / (1 - alpha^T) : R;  X -= r V / (sqrt(H) + eps).
  const double bc1 = u.t > 0 ? 1 - std::pow(alpha, u.t) : 1.0;
  const double bc2 = u.t > 0 ? 1 - std::pow(beta, u.t) : 1.0;
  std::vector<Tensor> xs, vs, hs;
  for (size_t k = 0; k < u.n; ++k) {
    Tensor x = u.lists[0][k].clone_data(), v = u.lists[2][k].clone_data(),
           h = u.lists[3][k].clone_data();
    functional::adam_step(x, u.lists[1][k], v, h, Tensor(),
                          {.lr = u.r,
                           .beta1 = alpha,
                           .beta2 = beta,
                           .eps = eps / std::sqrt(bc2),
                           .weight_decay = c.attr_f("norm_coefficient", 0),
                           .bias_correction1 = bc1,
                           .bias_correction2 = bc2});
    x.mul_(1 - post);
    xs.push_back(x), vs.push_back(v), hs.push_back(h);
  }
  std::vector<Tensor> got = xs;
  got.insert(got.end(), vs.begin(), vs.end());
  got.insert(got.end(), hs.begin(), hs.end());
  return got;
}

void run_adam(const std::string& test) {
  NodeCase c;
  if (!read_case(test, c)) GTEST_SKIP() << "no ONNX test data for " << test;
  ASSERT_EQ(c.op_type, "Adam");
  expect_outputs(c, adam_outputs(c), test);
}

TEST(OnnxOptimizers, Adagrad) { run_adagrad("test_adagrad"); }
TEST(OnnxOptimizers, AdagradMultiple) { run_adagrad("test_adagrad_multiple"); }
TEST(OnnxOptimizers, Adam) { run_adam("test_adam"); }
// A known defect of this upstream case: its expected outputs were generated with epsilon = 1e-2,
// but the node carries no epsilon attribute (so the schema default 1e-6 applies). ONNX's own
// reference evaluator checks it to 2 decimals and tinygrad excludes it. We check V_new and H_new
// (independent of epsilon) to 1e-5, X_new to 2 decimals with the model's epsilon, and
// everything to 1e-5 with the generator's epsilon.
TEST(OnnxOptimizers, AdamMultiple) {
  NodeCase c;
  if (!read_case("test_adam_multiple", c)) GTEST_SKIP() << "no ONNX test data";
  ASSERT_EQ(c.op_type, "Adam");
  ASSERT_EQ(c.attrs.count("epsilon"), 0u) << "upstream fixed the case; use run_adam";
  const auto got = adam_outputs(c);
  ASSERT_EQ(got.size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    const double rtol = i < 2 ? 0 : 1e-5, atol = i < 2 ? 1e-2 : 1e-6;
    EXPECT_TRUE(test::all_close(got[i], c.outputs[i], rtol, atol)) << c.output_names[i];
  }
  expect_outputs(c, adam_outputs(c, 1e-2), "test_adam_multiple with epsilon 1e-2");
}
TEST(OnnxOptimizers, Momentum) { run_momentum("test_momentum"); }
TEST(OnnxOptimizers, MomentumMultiple) { run_momentum("test_momentum_multiple"); }
TEST(OnnxOptimizers, NesterovMomentum) { run_momentum("test_nesterov_momentum"); }

#endif  // NABLA_HAVE_ONNX

}  // namespace
}  // namespace nabla::optim
