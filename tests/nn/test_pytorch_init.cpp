// rng = "pytorch": PyTorch's default init drawn from PyTorch's own CPU stream must give PyTorch's
// weights bit for bit (tests/fixtures/torch_random.safetensors,
// scripts/fixtures/make_torch_random_fixtures.py), and layers whose init is not reproduced are
// refused rather than silently initialised differently.
#include <gtest/gtest.h>

#include "nabla/core/torch_random.hpp"
#include "nabla/io/safetensors.hpp"
#include "nabla/nn/init.hpp"
#include "nabla/nn/nn.hpp"
#include "tests/support/fixtures.hpp"

namespace nabla {
namespace {

io::TensorMap torch_fixture(io::Metadata* meta = nullptr) {
  return io::load_safetensors(std::string(NABLA_FIXTURES) + "/torch_random.safetensors", meta);
}

TEST(PyTorchInit, SameWeightsBitForBitAsPyTorch) {
  io::Metadata meta;
  const auto fx = torch_fixture(&meta);
  nn::Sequential net{
      nn::Conv2d(3, 4, 3), nn::BatchNorm2d(4),
      nn::ReLU(),          nn::ConvTranspose2d(4, 2, 2, {.stride = 2, .bias = false}),
      nn::Flatten(),       nn::Linear(2 * 8 * 8, 5),
      nn::Linear(5, 3)};
  nn::init::pytorch_default_init_(net, std::stoull(meta.at("init_seed")));
  int checked = 0;
  for (const auto& [name, t] : net.named_parameters()) {
    const Tensor want = test::fixture_get(fx, "init." + name);
    ASSERT_EQ(t.shape(), want.shape()) << name;
    EXPECT_EQ(t.to_vector<float>(), want.to_vector<float>()) << name;  // exact, not close
    ++checked;
  }
  EXPECT_EQ(checked, 9);  // conv w+b, batch norm w+b (constant), convT w, 2 x linear w+b
}

TEST(PyTorchInit, OtherSeedGivesOtherWeights) {
  const auto fx = torch_fixture();
  nn::Sequential net{nn::Conv2d(3, 4, 3)};
  nn::init::pytorch_default_init_(net, 8);
  EXPECT_NE(net.named_parameters()[0].second.to_vector<float>(),
            test::fixture_get(fx, "init.0.weight").to_vector<float>());
}

// A user layer with its own parameters: nabla cannot know how PyTorch would initialise it.
class Scale : public nn::Module {
 public:
  Scale() { w_ = register_parameter("weight", Tensor::ones({3, 3})); }
  Tensor forward(const Tensor& x) override { return x; }

 private:
  Tensor w_;
};

TEST(PyTorchInit, RefusesLayersItDoesNotReproduce) {
  nn::Sequential net{nn::Linear(4, 6), Scale()};
  EXPECT_THROW(nn::init::pytorch_default_init_(net, 0), Error);
  nn::Sequential f64{nn::Linear(4, 2)};
  f64.to(DType::Float64);
  EXPECT_THROW(nn::init::pytorch_default_init_(f64, 0), Error);
}

TEST(TorchGenerator, RandpermStreamMatchesPyTorch) {
  io::Metadata meta;
  const auto fx = torch_fixture(&meta);
  TorchGenerator gen(std::stoull(meta.at("perm_seed")));
  for (int e = 0; e < 3; ++e)
    EXPECT_EQ(gen.randperm(std::stoll(meta.at("perm_n"))),
              test::fixture_get(fx, "randperm." + std::to_string(e)).to_vector<int64_t>())
        << "permutation " << e;
  EXPECT_TRUE(TorchGenerator(0).randperm(0).empty());
  EXPECT_EQ(TorchGenerator(0).randperm(1), std::vector<int64_t>{0});
  EXPECT_THROW(TorchGenerator(0).randperm(-1), Error);
}

}  // namespace
}  // namespace nabla
