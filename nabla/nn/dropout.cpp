#include "nabla/nn/dropout.hpp"

#include <sstream>

#include "nabla/ops/dropout.hpp"

namespace nabla::nn {

namespace {
std::string p_repr(double p) {
  std::ostringstream os;
  os << "p=" << p;
  return os.str();
}
}  // namespace

Dropout::Dropout(double p, Generator* gen) : p_(p), gen_(gen) {
  NABLA_CHECK(p >= 0 && p <= 1, "Dropout", "p must be in [0, 1], got ", p);
}
Tensor Dropout::forward(const Tensor& x) { return dropout(x, p_, is_training(), gen_); }
std::string Dropout::extra_repr() const { return p_repr(p_); }

Dropout2d::Dropout2d(double p, Generator* gen) : p_(p), gen_(gen) {
  NABLA_CHECK(p >= 0 && p <= 1, "Dropout2d", "p must be in [0, 1], got ", p);
}
Tensor Dropout2d::forward(const Tensor& x) { return dropout2d(x, p_, is_training(), gen_); }
std::string Dropout2d::extra_repr() const { return p_repr(p_); }

}  // namespace nabla::nn
