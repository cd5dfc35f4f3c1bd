// DataLoader with pytorch_order: epoch e shuffles exactly like PyTorch's (e+1)-th
// torch.randperm(n, generator=torch.Generator().manual_seed(seed)), whichever epoch is asked
// first (a resumed run starts mid-stream), and the batches follow that order.
#include <gtest/gtest.h>

#include "nabla/data/loader.hpp"
#include "nabla/io/safetensors.hpp"
#include "tests/support/fixtures.hpp"

namespace nabla {
namespace {

TEST(LoaderPyTorchOrder, EpochOrdersAreTorchRandperms) {
  io::Metadata meta;
  const auto fx =
      io::load_safetensors(std::string(NABLA_FIXTURES) + "/torch_random.safetensors", &meta);
  const int64_t n = std::stoll(meta.at("perm_n"));
  data::TensorDataset ds(Tensor::arange(0, static_cast<double>(n)).reshape({n, 1}),
                         Tensor::arange(0, static_cast<double>(n), 1, DType::Int64));
  data::DataLoader loader(ds, {.batch_size = 100,
                               .seed = std::stoull(meta.at("perm_seed")),
                               .prefetch = 1,
                               .pytorch_order = true});
  for (int e : {2, 0, 1}) {
    const auto want = test::fixture_get(fx, "randperm." + std::to_string(e)).to_vector<int64_t>();
    EXPECT_EQ(loader.epoch_order(e), want) << "epoch " << e;
  }
  const auto want0 = test::fixture_get(fx, "randperm.0").to_vector<int64_t>();
  loader.set_epoch(0);
  std::vector<int64_t> seen;
  for (const data::Batch& b : loader)
    for (int64_t v : b.targets.to_vector<int64_t>()) seen.push_back(v);
  EXPECT_EQ(seen, want0);
  // nabla's own stream differs: the flag is what selects PyTorch's.
  data::DataLoader own(ds, {.batch_size = 100, .seed = std::stoull(meta.at("perm_seed"))});
  EXPECT_NE(own.epoch_order(0), want0);
}

}  // namespace
}  // namespace nabla
