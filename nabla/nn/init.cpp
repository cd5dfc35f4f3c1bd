#include "nabla/nn/init.hpp"

#include <cmath>

#include "nabla/autograd/node.hpp"
#include "nabla/core/torch_random.hpp"
#include "nabla/nn/conv.hpp"
#include "nabla/nn/linear.hpp"
#include "nabla/nn/normalization.hpp"

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

namespace {
void fill_torch_uniform(Tensor& t, double bound, TorchGenerator& gen) {
  NABLA_CHECK(t.dtype() == DType::Float32 && t.is_contiguous(), "init::pytorch_default_init_",
              "PyTorch's stream is reproduced for contiguous float32 parameters only");
  autograd::NoGradGuard guard;
  float* p = t.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = gen.uniform_float(-bound, bound);
}
}  // namespace

void pytorch_default_init_(Module& net, uint64_t seed) {
  TorchGenerator gen(seed);
  std::vector<std::pair<std::string, Module*>> mods{{"", &net}};
  for (auto& [name, m] : net.named_modules()) mods.emplace_back(name, m.get());
  for (auto& [name, m] : mods) {
    const NamedTensors own = m->named_parameters(false);
    if (own.empty()) continue;
    const bool drawn =
        dynamic_cast<Linear*>(m) || dynamic_cast<Conv2d*>(m) || dynamic_cast<ConvTranspose2d*>(m);
    const bool constant = dynamic_cast<BatchNorm*>(m) || dynamic_cast<LayerNorm*>(m) ||
                          dynamic_cast<InstanceNorm2d*>(m) || dynamic_cast<GroupNorm*>(m);
    if (constant) continue;
    NABLA_CHECK(drawn, "init::pytorch_default_init_", "module '", name.empty() ? "(root)" : name,
                "' (", m->type_name(),
                ") has parameters whose PyTorch init is not reproduced; use rng = \"nabla\"");
    Tensor weight, bias;
    for (const auto& [pname, t] : own) {
      if (pname == "weight")
        weight = t;
      else if (pname == "bias")
        bias = t;
    }
    NABLA_CHECK(weight.defined() && weight.dim() >= 2, "init::pytorch_default_init_", "module '",
                name, "' has no 2-D+ weight");
    // torch.nn.init._calculate_fan_in_and_fan_out: size(1) x receptive field, for every layer
    // kind (ConvTranspose2d included, whose size(1) is out_channels / groups).
    int64_t fan_in = weight.size(1);
    for (int64_t d = 2; d < weight.dim(); ++d) fan_in *= weight.size(d);
    // Python: gain = sqrt(2 / (1 + a**2)), std = gain / sqrt(fan), bound = sqrt(3) * std.
    const double a = std::sqrt(5.0);
    const double gain = std::sqrt(2.0 / (1.0 + a * a));
    const double wbound = std::sqrt(3.0) * (gain / std::sqrt(static_cast<double>(fan_in)));
    fill_torch_uniform(weight, wbound, gen);
    if (bias.defined()) fill_torch_uniform(bias, 1.0 / std::sqrt(static_cast<double>(fan_in)), gen);
  }
}

}  // namespace nabla::nn::init
