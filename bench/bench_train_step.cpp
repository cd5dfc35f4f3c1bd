// End-to-end training-step benchmarks: one optimisation step (zero_grad, forward,
// cross-entropy, backward, Adam step) at batch 64 for the two models of anchors/REPORT.md
// section 3, built with the public nn/optim API exactly as a user writes them:
//   LeNet-5  x: (64,1,28,28) -> conv5x5(6,pad2)-ReLU-maxpool2-conv5x5(16)-ReLU-maxpool2-
//            FC120-ReLU-FC84-ReLU-FC10
//   MLP      x: (64,784) -> 256-ReLU-128-ReLU-10
// Names: train_step/<model>/threads:<T> (T is set with nabla::set_num_threads before the run,
// so OpenMP and OpenBLAS-openmp both use it). Reported time = ms per step (real time); cpu_time
// is the whole process's CPU time over all threads.
// train_breakdown/<model>/threads:<T> times the phases of the same step (each module's forward,
// the loss, each backward node type, the engine, the optimizer step) in process CPU time and
// reports them as counters in ms per step.
// bench/compare_train.sh runs these next to PyTorch and prints ratios.
#include <benchmark/benchmark.h>

#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "nabla/autograd/node.hpp"
#include "nabla/core/parallel.hpp"
#include "nabla/core/random.hpp"
#include "nabla/nn/loss.hpp"
#include "nabla/nn/nn.hpp"
#include "nabla/optim/optim.hpp"

namespace nabla {
namespace {

constexpr int64_t kBatch = 64;

std::shared_ptr<nn::Sequential> make_lenet() {
  return std::make_shared<nn::Sequential>(
      nn::Conv2d(1, 6, 5, {.padding = 2}), nn::ReLU(), nn::MaxPool2d(2), nn::Conv2d(6, 16, 5),
      nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(), nn::Linear(400, 120), nn::ReLU(),
      nn::Linear(120, 84), nn::ReLU(), nn::Linear(84, 10));
}

std::shared_ptr<nn::Sequential> make_mlp() {
  return std::make_shared<nn::Sequential>(nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 128),
                                          nn::ReLU(), nn::Linear(128, 10));
}

struct Setup {
  std::shared_ptr<nn::Sequential> net;
  std::unique_ptr<optim::Adam> opt;
  Tensor x, y;
};

Setup make_setup(const std::string& model) {
  Setup s;
  s.net = model == "lenet" ? make_lenet() : make_mlp();
  s.opt = std::make_unique<optim::Adam>(s.net->parameters(), optim::AdamOptions{.lr = 1e-3});
  Generator gen(0);
  // Inputs in [0,1) like Fashion-MNIST pixels; labels uniform over the 10 classes.
  const Shape xs = model == "lenet" ? Shape{kBatch, 1, 28, 28} : Shape{kBatch, 784};
  s.x = Tensor::rand(xs, DType::Float32, &gen);
  s.y = Tensor::empty({kBatch}, DType::Int64);
  int64_t* py = s.y.data<int64_t>();
  for (int64_t i = 0; i < kBatch; ++i) py[i] = (i * 7 + 3) % 10;
  return s;
}

void train_step(Setup& s, const nn::CrossEntropyLoss& loss_fn) {
  s.opt->zero_grad();
  Tensor loss = loss_fn(s.net->forward(s.x), s.y);
  loss.backward();
  s.opt->step();
}

void bench_step(benchmark::State& state, const std::string& model, int threads) {
  const int prev = get_num_threads();
  set_num_threads(threads);
  Setup s = make_setup(model);
  nn::CrossEntropyLoss loss_fn;
  // Warm-up: Adam allocates its moment buffers on the first step; the storage pool fills.
  for (int i = 0; i < 20; ++i) train_step(s, loss_fn);
  for (auto _ : state) train_step(s, loss_fn);
  state.SetItemsProcessed(state.iterations() * kBatch);
  set_num_threads(prev);
}

// The breakdown clock is the process's CPU time (all threads), not wall time: on a machine
// shared with other jobs a preempted phase would otherwise absorb the wait. At 1 thread it is
// the phase's own cost; at 2 threads it also counts the second thread, spinning or working.
struct Clock {
  using time_point = double;  // ms
  static double now() {
    timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
  }
};
double ms_since(Clock::time_point t0) { return Clock::now() - t0; }

// Wraps every node's backward closure in the graph under `root` with a timer that adds into
// times[node name]: the per-op backward breakdown. What backward costs beyond the sum of the
// closures is the engine (ordering, gradient accumulation, leaf .grad copies, frees).
void time_backward_nodes(const Tensor& root, std::map<std::string, double>& times) {
  std::vector<autograd::Node*> stack{root.grad_fn().get()};
  std::unordered_set<autograd::Node*> seen{stack.back()};
  while (!stack.empty()) {
    autograd::Node* n = stack.back();
    stack.pop_back();
    n->backward = [inner = std::move(n->backward), &slot = times[n->name]](const Tensor& g) {
      const auto t0 = Clock::now();
      auto r = inner(g);
      slot += ms_since(t0);
      return r;
    };
    for (const auto& e : n->inputs)
      if (e.node && seen.insert(e.node.get()).second) stack.push_back(e.node.get());
  }
}

// Phase timings of one step, summed over the iterations then divided: per-module forward
// (named "fwd<index>_<Module>"), loss forward, backward per node type ("bwd_<op>") and the
// engine's own share ("bwd_engine"), the optimizer step.
void bench_breakdown(benchmark::State& state, const std::string& model, int threads) {
  const int prev = get_num_threads();
  set_num_threads(threads);
  Setup s = make_setup(model);
  nn::CrossEntropyLoss loss_fn;
  for (int i = 0; i < 20; ++i) train_step(s, loss_fn);
  std::vector<double> fwd(s.net->size(), 0.0);
  double t_zero = 0, t_loss = 0, t_bwd = 0, t_step = 0;
  std::map<std::string, double> bwd;
  for (auto _ : state) {
    auto t0 = Clock::now();
    s.opt->zero_grad();
    t_zero += ms_since(t0);
    Tensor h = s.x;
    for (size_t i = 0; i < s.net->size(); ++i) {
      t0 = Clock::now();
      h = (*s.net)[i].forward(h);
      fwd[i] += ms_since(t0);
    }
    t0 = Clock::now();
    Tensor loss = loss_fn(h, s.y);
    t_loss += ms_since(t0);
    time_backward_nodes(loss, bwd);
    t0 = Clock::now();
    loss.backward();
    t_bwd += ms_since(t0);
    t0 = Clock::now();
    s.opt->step();
    t_step += ms_since(t0);
  }
  const double n = static_cast<double>(state.iterations());
  for (size_t i = 0; i < fwd.size(); ++i)
    state.counters["fwd" + std::to_string(i) + "_" + (*s.net)[i].type_name()] = fwd[i] / n;
  state.counters["loss_fwd"] = t_loss / n;
  state.counters["backward"] = t_bwd / n;
  double in_nodes = 0;
  for (const auto& [name, ms] : bwd) {
    state.counters["bwd_" + name] = ms / n;
    in_nodes += ms;
  }
  state.counters["bwd_engine"] = (t_bwd - in_nodes) / n;
  state.counters["adam_step"] = t_step / n;
  state.counters["zero_grad"] = t_zero / n;
  set_num_threads(prev);
}

int register_all() {
  for (const std::string model : {"lenet", "mlp"})
    for (int t : {1, 2}) {
      const std::string name = "train_step/" + model + "/threads:" + std::to_string(t);
      benchmark::RegisterBenchmark(name.c_str(),
                                   [model, t](benchmark::State& s) { bench_step(s, model, t); })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->MeasureProcessCPUTime()
          ->MinTime(1.0);
    }
  for (const std::string model : {"lenet", "mlp"})
    for (int t : {1, 2}) {
      const std::string name = "train_breakdown/" + model + "/threads:" + std::to_string(t);
      benchmark::RegisterBenchmark(
          name.c_str(), [model, t](benchmark::State& s) { bench_breakdown(s, model, t); })
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime()
          ->MeasureProcessCPUTime()
          ->MinTime(1.0);
    }
  return 0;
}

const int registered = register_all();

}  // namespace
}  // namespace nabla
