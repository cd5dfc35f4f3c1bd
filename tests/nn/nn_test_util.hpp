// Helpers shared by the tests/nn programs.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "nabla/autograd/gradcheck.hpp"
#include "nabla/autograd/node.hpp"
#include "nabla/nn/module.hpp"
#include "tests/support/fixtures.hpp"

namespace nabla::test {

// The parameter called `name` ("weight", "linear.bias") of a module.
inline Tensor param(const nn::Module& m, const std::string& name) {
  for (auto& [n, t] : m.named_parameters()) {
    if (n == name) return t;
  }
  throw Error("no parameter '" + name + "' in " + m.type_name());
}

inline Tensor buffer(const nn::Module& m, const std::string& name) {
  for (auto& [n, t] : m.named_buffers()) {
    if (n == name) return t;
  }
  throw Error("no buffer '" + name + "' in " + m.type_name());
}

// Copies fixture tensors "<prefix><param name>" into the module's parameters and buffers,
// through load_state_dict (strict), so the names must agree with PyTorch's.
inline void load_prefixed(nn::Module& m, const io::TensorMap& f, const std::string& prefix) {
  nn::StateDict sd;
  for (auto& [k, v] : f) {
    if (k.rfind(prefix, 0) == 0) sd[k.substr(prefix.size())] = v;
  }
  m.load_state_dict(sd, true);
}

// A fresh float64 leaf copy of a fixture tensor (or any tensor) that requires grad.
inline Tensor leaf64(const Tensor& t, bool requires_grad = true) {
  Tensor c = Tensor::empty(t.shape(), DType::Float64).copy_(t);
  c.set_requires_grad(requires_grad);
  return c;
}

inline Tensor leaf(const Tensor& t, bool requires_grad = true) {
  Tensor c = t.clone_data();
  c.set_requires_grad(requires_grad);
  return c;
}

inline ::testing::AssertionResult gradcheck_ok(
    const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& in,
    const autograd::GradcheckOptions& opt = {}) {
  auto r = autograd::gradcheck(fn, in, opt);
  if (r.ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r.message << " (max abs error " << r.max_abs_error << ")";
}

// EXPECT_GRADCHECK(fn, inputs) << "context";
#define EXPECT_GRADCHECK(fn, inputs) EXPECT_TRUE(::nabla::test::gradcheck_ok((fn), (inputs)))

}  // namespace nabla::test
