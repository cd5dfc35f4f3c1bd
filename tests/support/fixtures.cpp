#include "tests/support/fixtures.hpp"

#include <cmath>
#include <sstream>

namespace nabla::test {

io::TensorMap load_fixture(const std::string& name) {
  return io::load_safetensors(std::string(NABLA_FIXTURES) + "/" + name + ".safetensors");
}

const Tensor& fixture_get(const io::TensorMap& m, const std::string& key) {
  auto it = m.find(key);
  if (it == m.end()) throw Error("fixture has no tensor '" + key + "'");
  return it->second;
}

::testing::AssertionResult all_close(const Tensor& a, const Tensor& b, double rtol, double atol) {
  if (!a.defined() || !b.defined()) return ::testing::AssertionFailure() << "undefined tensor";
  if (a.shape() != b.shape())
    return ::testing::AssertionFailure()
           << "shape " << shape_str(a.shape()) << " vs " << shape_str(b.shape());
  std::vector<double> va = a.to_vector<double>(), vb = b.to_vector<double>();
  double worst = 0;
  size_t wi = 0;
  bool ok = true;
  for (size_t i = 0; i < va.size(); ++i) {
    const double err = std::abs(va[i] - vb[i]);
    const double tol = atol + rtol * std::abs(vb[i]);
    const bool bad = !(err <= tol) && !(std::isnan(va[i]) && std::isnan(vb[i])) &&
                     !(std::isinf(va[i]) && va[i] == vb[i]);
    if (bad && (ok || err > worst)) {
      worst = err;
      wi = i;
      ok = false;
    }
  }
  if (ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "element " << wi << ": " << va[wi] << " vs " << vb[wi] << " (|diff| " << worst
         << ", shape " << shape_str(a.shape()) << ")";
}

}  // namespace nabla::test
