// Activations against PyTorch 1.13 (tests/fixtures/act.safetensors, written by
// scripts/fixtures/make_loss_fixtures.py): sigmoid, tanh, relu, leaky_relu(slope), gelu (exact and
// tanh), softmax and log_softmax over every dim, value and gradient, on inputs that include
// +-1000, +-50 and 0.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include "nabla/autograd/node.hpp"
#include "nabla/io/safetensors.hpp"
#include "nabla/ops/activation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"
#include "tests/support/fixtures.hpp"

namespace nabla {
namespace {

std::map<std::string, std::string> parse_options(const std::string& s) {
  std::map<std::string, std::string> o;
  std::stringstream ss(s);
  std::string kv;
  while (std::getline(ss, kv, ';')) {
    const auto eq = kv.find('=');
    if (eq != std::string::npos) o[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return o;
}

Tensor apply_activation(const std::map<std::string, std::string>& o, const Tensor& x) {
  const std::string& op = o.at("op");
  if (op == "sigmoid") return sigmoid(x);
  if (op == "tanh") return tanh(x);
  if (op == "relu") return relu(x);
  if (op == "leaky_relu") return leaky_relu(x, std::stod(o.at("slope")));
  if (op == "gelu") return gelu(x, gelu_approximate_from_string(o.at("approximate")));
  if (op == "softmax") return softmax(x, std::stoll(o.at("dim")));
  if (op == "log_softmax") return log_softmax(x, std::stoll(o.at("dim")));
  throw Error("unknown activation in fixture: " + op);
}

class ActivationTorch : public ::testing::TestWithParam<DType> {};

TEST_P(ActivationTorch, ValueAndGradientMatchTorch) {
  const DType dt = GetParam();
  const bool f64 = dt == DType::Float64;
  io::Metadata meta;
  const io::TensorMap m =
      io::load_safetensors(std::string(NABLA_FIXTURES) + "/act.safetensors", &meta);
  ASSERT_EQ(meta.size(), 15u);
  for (const auto& [name, optstr] : meta) {
    SCOPED_TRACE(name + " {" + optstr + "}");
    const auto opt = parse_options(optstr);
    Tensor x = test::fixture_get(m, name + ".input").clone_data().to(dt).set_requires_grad(true);
    Tensor y = apply_activation(opt, x);
    ASSERT_EQ(y.dtype(), dt);
    // float32 near +-1000: log_softmax's values are ~2000, so the relative tolerance carries them
    const double rtol = f64 ? 1e-10 : 2e-5, atol = f64 ? 1e-12 : 2e-6;
    EXPECT_TRUE(test::all_close(y, test::fixture_get(m, name + ".out"), rtol, atol)) << "value";
    Tensor gout = test::fixture_get(m, name + ".grad_output").clone_data().to(dt);
    Tensor g = autograd::grad(y, {x}, gout)[0];
    EXPECT_TRUE(
        test::all_close(g, test::fixture_get(m, name + ".grad_input"), rtol, f64 ? 1e-10 : 2e-5))
        << "gradient";
  }
}

INSTANTIATE_TEST_SUITE_P(Dtypes, ActivationTorch, ::testing::Values(DType::Float64, DType::Float32),
                         [](const auto& info) { return std::string(dtype_name(info.param)); });

// The conventions at exactly 0, which a fixture mismatch above would otherwise only hint at:
// torch gives relu'(0) = 0 and leaky_relu'(0) = slope.
TEST(ActivationTorchEdge, DerivativesAtZero) {
  Tensor x = Tensor::zeros({1}, DType::Float64).set_requires_grad(true);
  EXPECT_EQ(autograd::grad(sum(relu(x)), {x})[0].item(), 0.0);
  EXPECT_DOUBLE_EQ(autograd::grad(sum(leaky_relu(x, 0.2)), {x})[0].item(), 0.2);
}

}  // namespace
}  // namespace nabla
