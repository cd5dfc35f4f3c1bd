// Test helpers: committed PyTorch fixtures and closeness checks.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "nabla/io/safetensors.hpp"

namespace nabla::test {

// Loads tests/fixtures/<name>.safetensors (written by scripts/fixtures/*.py).
io::TensorMap load_fixture(const std::string& name);
const Tensor& fixture_get(const io::TensorMap& m, const std::string& key);

// max |a-b| <= atol + rtol*|b| elementwise, same shape; reports the worst element.
::testing::AssertionResult all_close(const Tensor& a, const Tensor& b, double rtol = 1e-5,
                                     double atol = 1e-6);

}  // namespace nabla::test
