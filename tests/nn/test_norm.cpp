// Normalisation layers against PyTorch (forward, gradients, running statistics, eval mode),
// gradchecks of the functional forms, and the train/eval contract of batch norm.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "nabla/nn/normalization.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/norm.hpp"
#include "nabla/ops/reduce.hpp"
#include "tests/nn/nn_test_util.hpp"

namespace nabla {
namespace {

using test::all_close;
using test::fixture_get;

const io::TensorMap& norm_fixture() {
  static io::TensorMap f = test::load_fixture("nn_norm");
  return f;
}

// Replays make_nn_fixtures.py's norm_case: weights in, 3 training steps (step 0 with a
// backward), running statistics, then one eval forward.
void check_norm_case(const std::string& name, nn::Module& m, bool affine) {
  const auto& f = norm_fixture();
  auto get = [&](const std::string& k) { return fixture_get(f, name + "." + k); };
  if (affine) {
    autograd::NoGradGuard g;
    test::param(m, "weight").copy_(get("w"));
    test::param(m, "bias").copy_(get("b"));
  }
  m.train();
  for (int step = 0; step < 3; ++step) {
    const std::string s = std::to_string(step);
    Tensor x = test::leaf(get("x" + s), step == 0);
    Tensor y = m(x);
    EXPECT_TRUE(all_close(y, get("y" + s), 1e-4, 1e-5)) << name << " training step " << step;
    if (step == 0) {
      y.backward(get("gy"));
      EXPECT_TRUE(all_close(x.grad(), get("dx"), 1e-4, 1e-4)) << name << " input grad";
      if (affine) {
        EXPECT_TRUE(all_close(test::param(m, "weight").grad(), get("dw"), 1e-4, 1e-4))
            << name << " weight grad";
        EXPECT_TRUE(all_close(test::param(m, "bias").grad(), get("db"), 1e-4, 1e-4))
            << name << " bias grad";
      }
    }
  }
  for (const char* key : {"running_mean", "running_var", "num_batches_tracked"}) {
    if (f.count(name + "." + key)) {
      EXPECT_TRUE(all_close(test::buffer(m, key), get(key), 1e-5, 1e-6)) << name << " " << key;
    }
  }
  // Buffers line up with PyTorch's one for one (no extra, no missing).
  size_t torch_buffers = 0;
  for (const char* key : {"running_mean", "running_var", "num_batches_tracked"}) {
    torch_buffers += f.count(name + "." + key);
  }
  EXPECT_EQ(m.named_buffers().size(), torch_buffers) << name;
  m.eval();
  EXPECT_TRUE(all_close(m(get("xe")), get("ye"), 1e-4, 1e-5)) << name << " eval";
}

TEST(NormTorch, BatchNorm1d) {
  nn::BatchNorm1d m(5);
  check_norm_case("bn1d", m, true);
}
TEST(NormTorch, BatchNorm1dOnSequences) {
  nn::BatchNorm1d m(3, {.momentum = 0.3});
  check_norm_case("bn1d_3d", m, true);
}
TEST(NormTorch, BatchNorm2d) {
  nn::BatchNorm2d m(4, {.eps = 1e-3});
  check_norm_case("bn2d", m, true);
}
TEST(NormTorch, BatchNorm2dWithoutAffine) {
  nn::BatchNorm2d m(3, {.affine = false});
  EXPECT_TRUE(m.parameters().empty());
  check_norm_case("bn2d_noaffine", m, false);
}
TEST(NormTorch, LayerNorm) {
  nn::LayerNorm m({4, 5});
  check_norm_case("ln", m, true);
}
TEST(NormTorch, LayerNormLastDim) {
  nn::LayerNorm m({6}, {.eps = 1e-4});
  check_norm_case("ln1", m, true);
}
TEST(NormTorch, InstanceNorm2dDefaults) {
  nn::InstanceNorm2d m(3);
  EXPECT_TRUE(m.parameters().empty());
  check_norm_case("in", m, false);
}
TEST(NormTorch, InstanceNorm2dAffineTracked) {
  nn::InstanceNorm2d m(3, {.affine = true, .track_running_stats = true});
  check_norm_case("in_track", m, true);
}
TEST(NormTorch, GroupNorm) {
  nn::GroupNorm m(2, 6);
  check_norm_case("gn", m, true);
}
TEST(NormTorch, GroupNormOneChannelPerGroup) {
  nn::GroupNorm m(4, 4);
  check_norm_case("gn_instance", m, true);
}

// ---- gradchecks (float64) of the functional forms, through every input ----

Tensor rand64(const Shape& s, uint64_t seed, bool requires_grad = true) {
  Generator g(seed);
  Tensor t = Tensor::randn(s, DType::Float64, &g);
  t.set_requires_grad(requires_grad);
  return t;
}

TEST(NormGradcheck, BatchNormTraining) {
  for (const Shape& s : {Shape{4, 3}, Shape{3, 2, 5}, Shape{2, 3, 3, 2}}) {
    Tensor x = rand64(s, 1), w = rand64({s[1]}, 2), b = rand64({s[1]}, 3);
    Tensor rm = Tensor::zeros({s[1]}, DType::Float64), rv = Tensor::ones({s[1]}, DType::Float64);
    EXPECT_GRADCHECK(
        [&](const std::vector<Tensor>& in) {
          return batch_norm(in[0], rm, rv, in[1], in[2], true, 0.1, 1e-5);
        },
        (std::vector<Tensor>{x, w, b}))
        << shape_str(s);
  }
}

TEST(NormGradcheck, BatchNormEval) {
  Tensor x = rand64({3, 4, 2, 2}, 4), w = rand64({4}, 5), b = rand64({4}, 6);
  Tensor rm = rand64({4}, 7, false);
  Tensor rv = add(abs(rand64({4}, 8, false)), 0.5);
  EXPECT_GRADCHECK(
      [&](const std::vector<Tensor>& in) { return batch_norm(in[0], rm, rv, in[1], in[2], false); },
      (std::vector<Tensor>{x, w, b}));
}

TEST(NormGradcheck, LayerNorm) {
  Tensor x = rand64({3, 4, 5}, 9), w = rand64({4, 5}, 10), b = rand64({4, 5}, 11);
  EXPECT_GRADCHECK(
      [&](const std::vector<Tensor>& in) {
        return layer_norm(in[0], {4, 5}, in[1], in[2]);
      },
      (std::vector<Tensor>{x, w, b}));
}

TEST(NormGradcheck, InstanceNorm) {
  Tensor x = rand64({2, 3, 3, 4}, 12), w = rand64({3}, 13), b = rand64({3}, 14);
  EXPECT_GRADCHECK(
      [&](const std::vector<Tensor>& in) {
        return instance_norm(in[0], Tensor(), Tensor(), in[1], in[2]);
      },
      (std::vector<Tensor>{x, w, b}));
}

TEST(NormGradcheck, GroupNorm) {
  Tensor x = rand64({2, 6, 2, 3}, 15), w = rand64({6}, 16), b = rand64({6}, 17);
  EXPECT_GRADCHECK(
      [&](const std::vector<Tensor>& in) { return group_norm(in[0], 3, in[1], in[2]); },
      (std::vector<Tensor>{x, w, b}));
}

TEST(NormGradcheck, BatchNorm2dModuleParameters) {
  // Through the module itself: gradcheck perturbs the module's own weight and bias in place.
  nn::BatchNorm2d m(3);
  m.to(DType::Float64);
  {
    autograd::NoGradGuard g;
    test::param(m, "weight").copy_(rand64({3}, 18, false));
    test::param(m, "bias").copy_(rand64({3}, 19, false));
  }
  Tensor x = rand64({2, 3, 2, 2}, 20);
  EXPECT_GRADCHECK([&](const std::vector<Tensor>& in) { return m(in[0]); },
                   (std::vector<Tensor>{x, m.weight, m.bias}));
}

// ---- the fused batch_norm against its composite oracle, over edge shapes ----

TEST(BatchNormFused, MatchesReferenceForwardBackwardAndRunningStats) {
  struct Case {
    Shape shape;
    bool training, affine;
    DType dtype;
  };
  const std::vector<Case> cases = {
      {{2, 3}, true, true, DType::Float32},         {{7, 5}, true, false, DType::Float64},
      {{1, 4, 3, 5}, true, true, DType::Float32},  // batch 1: statistics over H, W only
      {{3, 2, 7}, true, true, DType::Float64},      {{5, 3, 4, 6}, false, true, DType::Float32},
      {{2, 1, 1, 9}, false, false, DType::Float64}, {{4, 6, 2, 3}, true, true, DType::Float64}};
  uint64_t seed = 100;
  for (const Case& k : cases) {
    const int64_t c = k.shape[1];
    Generator g(seed++);
    Tensor x0 = add(mul(Tensor::randn(k.shape, k.dtype, &g), 2.0), 0.7);
    Tensor w0 = Tensor::randn({c}, k.dtype, &g), b0 = Tensor::randn({c}, k.dtype, &g);
    Tensor gy = Tensor::randn(k.shape, k.dtype, &g);
    Tensor rm0 = Tensor::randn({c}, DType::Float32, &g);
    Tensor rv0 = add(abs(Tensor::randn({c}, DType::Float32, &g)), 0.5);
    std::vector<Tensor> grads[2], stats[2];
    Tensor outs[2];
    for (int impl = 0; impl < 2; ++impl) {
      Tensor x = test::leaf(x0), w = test::leaf(w0), b = test::leaf(b0);
      Tensor rm = rm0.clone_data(), rv = rv0.clone_data();
      Tensor wa = k.affine ? w : Tensor(), ba = k.affine ? b : Tensor();
      Tensor y = impl == 0 ? batch_norm(x, rm, rv, wa, ba, k.training, 0.2, 1e-4)
                           : batch_norm_reference(x, rm, rv, wa, ba, k.training, 0.2, 1e-4);
      y.backward(gy);
      outs[impl] = y;
      grads[impl] = {x.grad()};
      if (k.affine) grads[impl].insert(grads[impl].end(), {w.grad(), b.grad()});
      stats[impl] = {rm, rv};
    }
    const double tol = k.dtype == DType::Float64 ? 1e-10 : 2e-5;
    const std::string what = shape_str(k.shape) + (k.training ? " train" : " eval");
    EXPECT_TRUE(all_close(outs[0], outs[1], tol, tol)) << what;
    for (size_t i = 0; i < grads[0].size(); ++i) {
      EXPECT_TRUE(all_close(grads[0][i], grads[1][i], tol, tol)) << what << " grad " << i;
    }
    for (size_t i = 0; i < 2; ++i) {
      EXPECT_TRUE(all_close(stats[0][i], stats[1][i], 1e-6, 1e-6)) << what << " stat " << i;
    }
  }
}

// Fused layer/instance/group norm against the composite references: forward, all gradients
// and (instance norm) running statistics, over odd shapes in both dtypes.
struct RowNormCase {
  std::string what;
  Shape x_shape, param_shape;
  std::function<Tensor(const Tensor&, const Tensor&, const Tensor&, const Tensor&, const Tensor&,
                       bool)>
      run;  // (x, w, b, running_mean, running_var, reference?)
};

void compare_row_norm(const RowNormCase& k, DType dtype, bool affine, uint64_t seed) {
  Generator g(seed);
  Tensor x0 = add(mul(Tensor::randn(k.x_shape, dtype, &g), 1.5), -0.3);
  Tensor w0 = Tensor::randn(k.param_shape, dtype, &g), b0 = Tensor::randn(k.param_shape, dtype, &g);
  Tensor gy = Tensor::randn(k.x_shape, dtype, &g);
  const int64_t c = k.x_shape[1];
  Tensor rm0 = Tensor::randn({c}, DType::Float32, &g);
  Tensor rv0 = add(abs(Tensor::randn({c}, DType::Float32, &g)), 0.5);
  std::vector<Tensor> res[2];
  for (int impl = 0; impl < 2; ++impl) {
    Tensor x = test::leaf(x0), w = test::leaf(w0), b = test::leaf(b0);
    Tensor rm = rm0.clone_data(), rv = rv0.clone_data();
    Tensor y = k.run(x, affine ? w : Tensor(), affine ? b : Tensor(), rm, rv, impl == 1);
    y.backward(gy);
    res[impl] = {y, x.grad(), rm, rv};
    if (affine) res[impl].insert(res[impl].end(), {w.grad(), b.grad()});
  }
  const double tol = dtype == DType::Float64 ? 1e-10 : 3e-5;
  for (size_t i = 0; i < res[0].size(); ++i) {
    EXPECT_TRUE(all_close(res[0][i], res[1][i], tol, tol))
        << k.what << " " << dtype_name(dtype) << (affine ? " affine" : "") << " item " << i;
  }
}

TEST(NormFused, LayerInstanceGroupMatchReferences) {
  const std::vector<RowNormCase> cases = {
      {"layer_norm last dim",
       {3, 5, 7},
       {7},
       [](auto& x, auto& w, auto& b, auto&, auto&, bool ref) {
         return ref ? layer_norm_reference(x, {7}, w, b, 1e-4) : layer_norm(x, {7}, w, b, 1e-4);
       }},
      {"layer_norm two dims",
       {2, 3, 4, 5},
       {4, 5},
       [](auto& x, auto& w, auto& b, auto&, auto&, bool ref) {
         return ref ? layer_norm_reference(x, {4, 5}, w, b) : layer_norm(x, {4, 5}, w, b);
       }},
      {"instance_norm 2d with running stats",
       {3, 4, 5, 3},
       {4},
       [](auto& x, auto& w, auto& b, auto& rm, auto& rv, bool ref) {
         return ref ? instance_norm_reference(x, rm, rv, w, b, true, 0.3)
                    : instance_norm(x, rm, rv, w, b, true, 0.3);
       }},
      {"instance_norm 1d batch 1",
       {1, 3, 7},
       {3},
       [](auto& x, auto& w, auto& b, auto&, auto&, bool ref) {
         return ref ? instance_norm_reference(x, Tensor(), Tensor(), w, b)
                    : instance_norm(x, Tensor(), Tensor(), w, b);
       }},
      {"instance_norm eval",
       {2, 3, 2, 2},
       {3},
       [](auto& x, auto& w, auto& b, auto& rm, auto& rv, bool ref) {
         return ref ? instance_norm_reference(x, rm, rv, w, b, false)
                    : instance_norm(x, rm, rv, w, b, false);
       }},
      {"group_norm",
       {3, 6, 5, 3},
       {6},
       [](auto& x, auto& w, auto& b, auto&, auto&, bool ref) {
         return ref ? group_norm_reference(x, 3, w, b) : group_norm(x, 3, w, b);
       }},
      {"group_norm (N, C)",
       {4, 8},
       {8},
       [](auto& x, auto& w, auto& b, auto&, auto&, bool ref) {
         return ref ? group_norm_reference(x, 2, w, b) : group_norm(x, 2, w, b);
       }},
      {"group_norm one group",
       {2, 5, 3, 4},
       {5},
       [](auto& x, auto& w, auto& b, auto&, auto&, bool ref) {
         return ref ? group_norm_reference(x, 1, w, b) : group_norm(x, 1, w, b);
       }},
  };
  uint64_t seed = 300;
  for (const auto& k : cases) {
    for (DType dt : {DType::Float32, DType::Float64}) {
      for (bool affine : {true, false}) compare_row_norm(k, dt, affine, seed++);
    }
  }
}

// ---- behaviour ----

TEST(BatchNorm, TrainingNormalisesEachChannel) {
  nn::BatchNorm2d m(3);
  Generator g(21);
  Tensor x = add(mul(Tensor::randn({8, 3, 4, 4}, DType::Float32, &g), 3.0), 2.0);
  Tensor y = m(x);
  Tensor mu = mean(y, {0, 2, 3});
  Tensor v = var(y, {0, 2, 3}, false);
  for (int64_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(mu.at({c}), 0.0, 1e-5);
    EXPECT_NEAR(v.at({c}), 1.0, 1e-3);  // eps = 1e-5 shrinks it slightly
  }
  EXPECT_EQ(m.num_batches_tracked.item(), 1);
}

TEST(BatchNorm, EvalUsesRunningStatisticsNotTheBatch) {
  nn::BatchNorm1d m(2);
  {
    autograd::NoGradGuard g;
    m.running_mean.copy_(Tensor::from_vector(std::vector<float>{1.0f, -2.0f}, {2}));
    m.running_var.copy_(Tensor::from_vector(std::vector<float>{4.0f, 0.25f}, {2}));
    m.weight.copy_(Tensor::from_vector(std::vector<float>{2.0f, 1.0f}, {2}));
    m.bias.copy_(Tensor::from_vector(std::vector<float>{0.5f, 0.0f}, {2}));
  }
  m.eval();
  Tensor x = Tensor::from_vector(std::vector<float>{3.0f, -2.0f, 1.0f, -1.0f, 5.0f, 0.0f}, {3, 2});
  Tensor y = m(x);
  const double e = 1e-5;
  for (int64_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(y.at({i, 0}), (x.at({i, 0}) - 1.0) / std::sqrt(4.0 + e) * 2.0 + 0.5, 1e-5);
    EXPECT_NEAR(y.at({i, 1}), (x.at({i, 1}) + 2.0) / std::sqrt(0.25 + e), 1e-4);
  }
  // A single sample works in eval (each row is normalised on its own) and matches its row.
  Tensor y1 = m(x.narrow(0, 1, 1));
  EXPECT_NEAR(y1.at({0, 0}), y.at({1, 0}), 1e-6);
  // Eval leaves the statistics alone.
  EXPECT_NEAR(m.running_mean.at({0}), 1.0, 0);
  EXPECT_EQ(m.num_batches_tracked.item(), 0);
}

TEST(BatchNorm, WithoutRunningStatsUsesBatchStatsInEval) {
  nn::BatchNorm1d m(2, {.track_running_stats = false});
  EXPECT_TRUE(m.named_buffers().empty());
  m.eval();
  Generator g(22);
  Tensor x = Tensor::randn({6, 2}, DType::Float32, &g);
  Tensor y = m(x);
  EXPECT_NEAR(mean(y, {0}).at({0}), 0.0, 1e-5);
}

TEST(BatchNorm, RunningVarianceIsUnbiased) {
  nn::BatchNorm1d m(1, {.momentum = 1.0});  // momentum 1: running = this batch's statistics
  Tensor x = Tensor::from_vector(std::vector<float>{1.0f, 2.0f, 4.0f}, {3, 1});
  m(x);
  EXPECT_NEAR(m.running_mean.at({0}), 7.0 / 3.0, 1e-6);
  EXPECT_NEAR(m.running_var.at({0}), var(x, {0}, true).item(), 1e-5);  // 2.3333, not 1.5556
}

TEST(InstanceNorm, UnbatchedInputIsOneSample) {
  nn::InstanceNorm2d m(3, {.affine = true});
  Generator g(23);
  Tensor x = Tensor::randn({3, 4, 5}, DType::Float32, &g);
  Tensor y = m(x);
  ASSERT_EQ(y.shape(), (Shape{3, 4, 5}));
  EXPECT_TRUE(all_close(y, m(x.unsqueeze(0)).squeeze(0), 0, 0));
  EXPECT_NEAR(mean(y.select(0, 1)).item(), 0.0, 1e-5);
}

TEST(NormErrors, ClearMessages) {
  nn::BatchNorm2d bn(3);
  EXPECT_THROW(bn(Tensor::zeros({2, 4, 3, 3})), Error);  // wrong channels
  EXPECT_THROW(bn(Tensor::zeros({2, 3})), Error);        // wrong rank
  EXPECT_THROW(bn(Tensor::zeros({1, 3, 1, 1})), Error);  // one value per channel in training
  try {
    bn(Tensor::zeros({2, 4, 3, 3}));
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("BatchNorm2d"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[2, 4, 3, 3]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(nn::GroupNorm(4, 6), Error);
  nn::LayerNorm ln({4});
  EXPECT_THROW(ln(Tensor::zeros({2, 5})), Error);
  EXPECT_THROW(batch_norm(Tensor::zeros({2, 3}), Tensor(), Tensor(), Tensor(), Tensor(), false),
               Error);
}

}  // namespace
}  // namespace nabla
