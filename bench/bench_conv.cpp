// Convolution benchmarks on the layers of anchors/REPORT.md section 2 (same shapes as
// bench/compare_conv.py, which times PyTorch on them): forward under no_grad, and forward +
// backward (dX, dW, db) through the autograd ops, as a user pays it (outputs allocated per call).
//   conv/<layer>/<mode>[/<engine>]   mode: fwd | fwdbwd | fwdbwd_w (no dX: a network's first layer)
// Names without an engine use the automatic choice; /im2col and /dnnl force one engine, to
// measure the choice in nabla/kernels/cpu/conv.cpp. Threads: OMP_NUM_THREADS. Reported: wall time
// (real_time) and the CPU time of the whole process (cpu_time, all threads), which a loaded
// machine disturbs less.
// Each benchmark iteration is `inner` calls (more for the sub-millisecond LeNet layers), the
// same grouping compare_conv.py uses; the first run of each benchmark does untimed warm-up calls.
#include <benchmark/benchmark.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "nabla/autograd/node.hpp"
#include "nabla/kernels/cpu/conv.hpp"
#include "nabla/ops/conv.hpp"

namespace nabla {
namespace {

struct Layer {
  const char* name;
  Shape x, w;  // conv2d weight (K, C/G, KH, KW); transposed: (C, K/G, KH, KW)
  bool transposed;
  Conv2dFuncOptions conv;
  ConvTranspose2dFuncOptions convt;
  int inner;
};

const std::vector<Layer>& layers() {
  static const std::vector<Layer> v = {
      {"a_lenet_conv1", {64, 1, 28, 28}, {6, 1, 5, 5}, false, {.padding = 2}, {}, 20},
      {"b_lenet_conv2", {64, 6, 14, 14}, {16, 6, 5, 5}, false, {}, {}, 20},
      {"c_resnet_3x3", {32, 64, 56, 56}, {64, 64, 3, 3}, false, {.padding = 1}, {}, 1},
      {"d_strided", {32, 64, 56, 56}, {128, 64, 3, 3}, false, {.stride = 2, .padding = 1}, {}, 1},
      {"e_dilated", {32, 64, 56, 56}, {64, 64, 3, 3}, false, {.padding = 2, .dilation = 2}, {}, 1},
      {"f_convT", {32, 64, 28, 28}, {64, 32, 4, 4}, true, {}, {.stride = 2, .padding = 1}, 1},
      {"g_depthwise", {32, 64, 56, 56}, {64, 1, 3, 3}, false, {.padding = 1, .groups = 64}, {}, 1},
  };
  return v;
}

Tensor run_layer(const Layer& l, const Tensor& x, const Tensor& w, const Tensor& b) {
  return l.transposed ? conv_transpose2d(x, w, b, l.convt) : conv2d(x, w, b, l.conv);
}

void bench_layer(benchmark::State& state, const Layer& l, const std::string& mode,
                 kernels::cpu::ConvEngine engine, const std::string& name) {
  kernels::cpu::set_conv_engine(engine);
  Generator gen(0);
  const int64_t k = l.transposed ? l.w[1] : l.w[0];
  Tensor x = Tensor::randn(l.x, DType::Float32, &gen);
  Tensor w = Tensor::randn(l.w, DType::Float32, &gen).mul_(0.05);
  Tensor b = Tensor::randn({k}, DType::Float32, &gen);
  Tensor g;
  {
    autograd::NoGradGuard ng;
    g = Tensor::randn(run_layer(l, x, w, b).shape(), DType::Float32, &gen);
  }
  Tensor xg = x.clone_data().set_requires_grad(mode == "fwdbwd");
  w.set_requires_grad(true);
  b.set_requires_grad(true);
  auto call = [&] {
    if (mode == "fwd") {
      autograd::NoGradGuard ng;
      benchmark::DoNotOptimize(run_layer(l, x, w, b).raw_data());
    } else {
      w.zero_grad();
      b.zero_grad();
      xg.zero_grad();
      run_layer(l, xg, w, b).backward(g);
      benchmark::DoNotOptimize(w.grad().raw_data());
    }
  };
  static std::set<std::string> warmed;
  if (warmed.insert(name).second)
    for (int i = 0; i < 3 * l.inner; ++i) call();
  for (auto _ : state)
    for (int i = 0; i < l.inner; ++i) call();
  state.SetItemsProcessed(state.iterations() * l.inner);
  kernels::cpu::set_conv_engine(kernels::cpu::ConvEngine::Auto);
}

int register_all() {
  struct EngineName {
    kernels::cpu::ConvEngine e;
    const char* suffix;
  };
  const EngineName engines[] = {{kernels::cpu::ConvEngine::Auto, ""},
                                {kernels::cpu::ConvEngine::Im2colGemm, "/im2col"},
                                {kernels::cpu::ConvEngine::Dnnl, "/dnnl"},
                                {kernels::cpu::ConvEngine::Direct, "/direct"}};
  for (const Layer& l : layers()) {
    std::vector<std::string> modes{"fwd", "fwdbwd"};
    if (std::string(l.name) == "a_lenet_conv1") modes.push_back("fwdbwd_w");
    for (const auto& mode : modes)
      for (const auto& e : engines) {
        const std::string name = std::string("conv/") + l.name + "/" + mode + e.suffix;
        benchmark::RegisterBenchmark(
            name.c_str(),
            [&l, mode, e, name](benchmark::State& s) { bench_layer(s, l, mode, e.e, name); })
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime()
            ->MeasureProcessCPUTime()
            ->Iterations(1);
      }
  }
  return 0;
}

const int registered = register_all();

}  // namespace
}  // namespace nabla
