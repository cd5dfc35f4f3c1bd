#include "nabla/nn/init.hpp"

#include <cmath>

#include "nabla/autograd/node.hpp"

namespace nabla::nn::init {

double calculate_gain(Nonlinearity nonlinearity, double param) {
  switch (nonlinearity) {
    case Nonlinearity::Linear:
    case Nonlinearity::Conv:
    case Nonlinearity::Sigmoid:
      return 1.0;
    case Nonlinearity::Tanh:
      return 5.0 / 3.0;
    case Nonlinearity::ReLU:
      return std::sqrt(2.0);
    case Nonlinearity::LeakyReLU:
      return std::sqrt(2.0 / (1.0 + param * param));
  }
  return 1.0;
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  NABLA_CHECK(t.defined() && t.dim() >= 2, "init",
              "fan in and fan out need a tensor with at least 2 dims, got ",
              t.defined() ? shape_str(t.shape()) : std::string("an undefined tensor"));
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

namespace {
int64_t fan(const Tensor& t, FanMode mode) {
  auto [in, out] = calculate_fan_in_and_fan_out(t);
  const int64_t f = mode == FanMode::FanIn ? in : out;
  NABLA_CHECK(f > 0, "init", "cannot initialise a tensor with zero fan, shape ",
              shape_str(t.shape()));
  return f;
}
void check(const Tensor& t) {
  NABLA_CHECK(t.defined() && is_floating(t.dtype()), "init", "expected a floating tensor");
}
}  // namespace

// In-place fills on parameters are not part of any graph: grad mode goes off around them.
Tensor zeros_(Tensor t) { return constant_(t, 0); }
Tensor ones_(Tensor t) { return constant_(t, 1); }

Tensor constant_(Tensor t, double value) {
  check(t);
  autograd::NoGradGuard guard;
  t.fill_(value);
  return t;
}

Tensor uniform_(Tensor t, double a, double b, Generator* gen) {
  check(t);
  NABLA_CHECK(a <= b, "init::uniform_", "expected a <= b, got a = ", a, ", b = ", b);
  autograd::NoGradGuard guard;
  t.uniform_(a, b, gen);
  return t;
}

Tensor normal_(Tensor t, double mean, double std, Generator* gen) {
  check(t);
  NABLA_CHECK(std >= 0, "init::normal_", "std must be >= 0, got ", std);
  autograd::NoGradGuard guard;
  t.normal_(mean, std, gen);
  return t;
}

Tensor xavier_uniform_(Tensor t, double gain, Generator* gen) {
  auto [in, out] = calculate_fan_in_and_fan_out(t);
  const double a = gain * std::sqrt(6.0 / static_cast<double>(in + out));
  return uniform_(t, -a, a, gen);
}

Tensor xavier_normal_(Tensor t, double gain, Generator* gen) {
  auto [in, out] = calculate_fan_in_and_fan_out(t);
  return normal_(t, 0, gain * std::sqrt(2.0 / static_cast<double>(in + out)), gen);
}

Tensor kaiming_uniform_(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity,
                        Generator* gen) {
  const double bound =
      calculate_gain(nonlinearity, a) * std::sqrt(3.0 / static_cast<double>(fan(t, mode)));
  return uniform_(t, -bound, bound, gen);
}

Tensor kaiming_normal_(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity,
                       Generator* gen) {
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan(t, mode)));
  return normal_(t, 0, std, gen);
}

}  // namespace nabla::nn::init
