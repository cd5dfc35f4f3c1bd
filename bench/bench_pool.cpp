// Pooling benchmarks on layer g of anchors/REPORT.md section 2 (MaxPool k2 s2, N32 C64 56x56,
// float32), the same work bench/compare_pool.py times in PyTorch:
//   pool/g_maxpool/fwd        forward under no_grad (inference: no argmax indices kept)
//   pool/g_maxpool/fwd_train  forward with grad on (indices kept for the backward), no backward
//   pool/g_maxpool/fwdbwd     forward + y.backward(g) into x.grad (dX only: pooling has no weights)
//   pool/avg_k2s2/*, pool/global_avg/fwd   the other pools on the same input, for reference
//   pool/lenet1_maxpool/*, pool/lenet2_maxpool/*   LeNet's two 2x2 pools (N64 C6 28x28, N64 C16
//                                                    10x10), small enough for call overhead to
//                                                    count
// Outputs are allocated per call, as a user pays them. Threads: OMP_NUM_THREADS. One iteration
// = `inner` calls (3, or 50 for the LeNet shapes) after 3 untimed warm-up samples, the grouping
// compare_pool.py uses.
#include <benchmark/benchmark.h>

#include <functional>
#include <string>

#include "nabla/autograd/node.hpp"
#include "nabla/ops/pool.hpp"

namespace nabla {
namespace {

const Shape kInput{32, 64, 56, 56};

void bench_pool(benchmark::State& state, const Shape& shape, int inner, const std::string& mode,
                const std::function<Tensor(const Tensor&)>& op) {
  Generator gen(0);
  Tensor x = Tensor::randn(shape, DType::Float32, &gen);
  Tensor g;
  {
    autograd::NoGradGuard ng;
    g = Tensor::randn(op(x).shape(), DType::Float32, &gen);
  }
  Tensor xg = x.clone_data().set_requires_grad(true);
  auto call = [&] {
    if (mode == "fwd") {
      autograd::NoGradGuard ng;
      benchmark::DoNotOptimize(op(x).raw_data());
    } else if (mode == "fwd_train") {
      benchmark::DoNotOptimize(op(xg).raw_data());
    } else {
      xg.zero_grad();
      op(xg).backward(g);
      benchmark::DoNotOptimize(xg.grad().raw_data());
    }
  };
  for (int i = 0; i < 3 * inner; ++i) call();  // warm-up: page faults, buffer pool
  for (auto _ : state)
    for (int i = 0; i < inner; ++i) call();
  state.SetItemsProcessed(state.iterations() * inner);  // real_time / inner = time per call
}

int register_all() {
  const auto maxpool = [](const Tensor& x) { return max_pool2d(x, {.kernel = 2, .stride = 2}); };
  const auto avgpool = [](const Tensor& x) { return avg_pool2d(x, {.kernel = 2, .stride = 2}); };
  const auto global_avg = [](const Tensor& x) { return global_avg_pool2d(x); };
  struct Entry {
    const char* name;
    const char* mode;
    std::function<Tensor(const Tensor&)> op;
    Shape shape;
    int inner;
  };
  const Shape lenet1{64, 6, 28, 28}, lenet2{64, 16, 10, 10};
  const Entry entries[] = {{"pool/g_maxpool/fwd", "fwd", maxpool, kInput, 3},
                           {"pool/g_maxpool/fwd_train", "fwd_train", maxpool, kInput, 3},
                           {"pool/g_maxpool/fwdbwd", "fwdbwd", maxpool, kInput, 3},
                           {"pool/avg_k2s2/fwd", "fwd", avgpool, kInput, 3},
                           {"pool/avg_k2s2/fwdbwd", "fwdbwd", avgpool, kInput, 3},
                           {"pool/global_avg/fwd", "fwd", global_avg, kInput, 3},
                           {"pool/lenet1_maxpool/fwd", "fwd", maxpool, lenet1, 50},
                           {"pool/lenet1_maxpool/fwdbwd", "fwdbwd", maxpool, lenet1, 50},
                           {"pool/lenet2_maxpool/fwd", "fwd", maxpool, lenet2, 50},
                           {"pool/lenet2_maxpool/fwdbwd", "fwdbwd", maxpool, lenet2, 50}};
  for (const Entry& e : entries) {
    const std::string mode = e.mode;
    const auto op = e.op;
    const Shape shape = e.shape;
    const int inner = e.inner;
    benchmark::RegisterBenchmark(
        e.name,
        [shape, inner, mode, op](benchmark::State& s) { bench_pool(s, shape, inner, mode, op); })
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->Iterations(1);
  }
  return 0;
}

const int registered = register_all();

}  // namespace
}  // namespace nabla
