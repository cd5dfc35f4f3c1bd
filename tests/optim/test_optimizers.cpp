// Optimizer behaviour beyond the PyTorch trajectories: option checks, parameter checks, groups,
// skipped parameters, maximize, non-contiguous parameters, dtype handling, and that the
// multi-threaded update of a large tensor equals the serial one.
#include <gtest/gtest.h>

#include <cmath>

#include "nabla/core/parallel.hpp"
#include "tests/optim/mlp.hpp"

namespace nabla::optim {
namespace {

Tensor param(const Shape& s, double v = 1.0, DType dt = DType::Float64) {
  return Tensor::full(s, v, dt).set_requires_grad(true);
}

std::vector<Tensor> one_param() { return {param({2})}; }

TEST(Optimizer, InvalidOptionsThrow) {
  EXPECT_THROW(SGD(one_param(), {}), Error);  // lr is required
  EXPECT_THROW(SGD(one_param(), {.lr = -0.1}), Error);
  EXPECT_THROW(SGD(one_param(), {.lr = 0.1, .momentum = -1}), Error);
  EXPECT_THROW(SGD(one_param(), {.lr = 0.1, .nesterov = true}), Error);  // needs momentum
  EXPECT_THROW(SGD(one_param(), {.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .nesterov = true}),
               Error);
  EXPECT_THROW(SGD(one_param(), {.lr = 0.1, .weight_decay = -1}), Error);
  EXPECT_THROW(Adagrad(one_param(), {.lr_decay = -1}), Error);
  EXPECT_THROW(Adagrad(one_param(), {.initial_accumulator_value = -1}), Error);
  EXPECT_THROW(Adagrad(one_param(), {.eps = -1}), Error);
  EXPECT_THROW(Adadelta(one_param(), {.rho = 1.5}), Error);
  EXPECT_THROW(Adadelta(one_param(), {.lr = -1}), Error);
  EXPECT_THROW(RMSprop(one_param(), {.alpha = -0.5}), Error);
  EXPECT_THROW(RMSprop(one_param(), {.momentum = -0.5}), Error);
  EXPECT_THROW(Adam(one_param(), {.betas = {1.0, 0.999}}), Error);
  EXPECT_THROW(Adam(one_param(), {.betas = {0.9, -0.1}}), Error);
  EXPECT_THROW(Adam(one_param(), {.eps = -1e-8}), Error);
  EXPECT_THROW(AdamW(one_param(), {.weight_decay = -0.01}), Error);
  try {
    SGD(one_param(), {});
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("SGD(params, {.lr = 0.1})"), std::string::npos)
        << e.what();
  }
}

TEST(Optimizer, InvalidParametersThrow) {
  EXPECT_THROW(Adam(std::vector<Tensor>{}), Error);
  EXPECT_THROW(Adam({Tensor()}), Error);
  EXPECT_THROW(Adam({Tensor::zeros({2}, DType::Int64)}), Error);
  Tensor p = param({2});
  EXPECT_THROW(Adam({p, p}), Error);
  Adam opt({p});
  EXPECT_THROW(opt.add_param_group({p}, {}), Error);  // already in group 0
  Tensor leaf = param({2});
  Tensor computed = mul(leaf, 2.0);
  EXPECT_THROW(Adam({computed}), Error);
  EXPECT_EQ(opt.num_param_groups(), 1u);  // the failed add changed nothing
}

TEST(Optimizer, GroupsLrAndOptions) {
  Tensor a = param({2}), b = param({3});
  RMSprop opt({a}, {.lr = 0.1});
  opt.add_param_group({b}, {.lr = 0.2, .centered = true});
  EXPECT_EQ(opt.num_param_groups(), 2u);
  EXPECT_EQ(opt.lr(), 0.1);
  EXPECT_EQ(opt.lr(1), 0.2);
  EXPECT_TRUE(opt.options(1).centered);
  opt.set_lr(1, 0.3);
  EXPECT_EQ(opt.lr(1), 0.3);
  opt.set_lr(0.05);
  EXPECT_EQ(opt.lr(0), 0.05);
  EXPECT_EQ(opt.lr(1), 0.05);
  EXPECT_THROW(opt.lr(2), Error);
  EXPECT_THROW(opt.set_lr(-1.0), Error);
  EXPECT_EQ(opt.lr(1), 0.05);
  EXPECT_THROW(opt.set_group_options(0, {{"no_such_option", 1}}), Error);
  EXPECT_THROW(opt.set_group_options(0, {{"momentum", 0.5}, {"eps", -1}}), Error);
  EXPECT_EQ(opt.options(0).momentum, 0);  // all or nothing
  opt.set_group_options(0, {{"momentum", 0.5}, {"centered", 1}});
  EXPECT_EQ(opt.options(0).momentum, 0.5);
  EXPECT_TRUE(opt.options(0).centered);
  EXPECT_EQ(opt.parameters().size(), 2u);
  EXPECT_TRUE(opt.params(1)[0].same(b));
  EXPECT_EQ(opt.name(), "RMSprop");
}

TEST(Optimizer, SkipsParametersWithoutGradientAndZeroGrad) {
  Tensor a = param({2}, 1.0), b = param({2}, 1.0);
  SGD opt({a, b}, {.lr = 0.5, .momentum = 0.9});
  a.set_grad(Tensor::ones({2}, DType::Float64));
  opt.step();
  EXPECT_EQ(a.to_vector<double>(), (std::vector<double>{0.5, 0.5}));
  EXPECT_EQ(b.to_vector<double>(), (std::vector<double>{1.0, 1.0}));
  EXPECT_TRUE(opt.param_state(0).initialized);
  EXPECT_FALSE(opt.param_state(1).initialized);
  EXPECT_TRUE(a.is_leaf());
  opt.zero_grad();
  EXPECT_FALSE(a.grad().defined());
  opt.step();  // nothing has a gradient: nothing moves
  EXPECT_EQ(a.to_vector<double>(), (std::vector<double>{0.5, 0.5}));
  EXPECT_THROW(opt.param_state(2), Error);
}

// maximize flips the gradient: maximizing -f walks the same path as minimizing f.
TEST(Optimizer, MaximizeEqualsMinimizingTheNegation) {
  const io::TensorMap f = test::load_fixture("optim_trajectories");
  test::Mlp a = test::Mlp::from_fixture(f), b = test::Mlp::from_fixture(f);
  Adam min_opt(a.params, {.lr = 0.01, .weight_decay = 0.01});
  Adam max_opt(b.params, {.lr = 0.01, .weight_decay = 0.01, .maximize = true});
  for (int64_t step = 1; step <= 10; ++step) {
    a.train_step(min_opt, step);
    max_opt.zero_grad();
    neg(b.loss((step - 1) % 4)).backward();
    max_opt.step();
  }
  EXPECT_EQ(a.flat(), b.flat());
}

// A parameter that is a strided view is updated through a contiguous copy and written back.
TEST(Optimizer, NonContiguousParameter) {
  Tensor base = Tensor::from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor view = base.as_strided({3, 2}, {1, 3}, 0);  // the transpose
  view.set_requires_grad(true);
  view.set_grad(Tensor::from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {3, 2}));
  SGD opt({view}, {.lr = 0.1, .momentum = 0.9});
  opt.step();
  // view[i][j] = base[j][i] -= 0.1 * grad[i][j]
  const std::vector<double> want{1 - 0.1, 2 - 0.3, 3 - 0.5, 4 - 0.2, 5 - 0.4, 6 - 0.6};
  const auto got = base.to_vector<double>();
  for (size_t i = 0; i < 6; ++i) EXPECT_NEAR(got[i], want[i], 1e-15);
}

// float32 parameters with a float64 gradient: the gradient is converted; state is float32.
TEST(Optimizer, Float32ParamsAndGradientConversion) {
  Tensor p = param({3}, 1.0, DType::Float32);
  Adam opt({p}, {.lr = 0.1});
  p.set_grad(Tensor::full({3}, 2.0, DType::Float64));
  opt.step();
  // first Adam step moves by lr * sign(g) (up to eps)
  for (float v : p.to_vector<float>()) EXPECT_NEAR(v, 0.9f, 1e-6);
  EXPECT_EQ(opt.param_state(0).buffers.at("exp_avg").dtype(), DType::Float32);
}

// The MLP trained in float32 stays close to PyTorch's float64 trajectory.
TEST(Optimizer, Float32TracksFloat64Trajectory) {
  const io::TensorMap f = test::load_fixture("optim_trajectories");
  test::Mlp m = test::Mlp::from_fixture(f);
  m.x = m.x.to(DType::Float32);
  m.y = m.y.to(DType::Float32);
  for (auto& p : m.params) p = p.detach().to(DType::Float32).clone_data().set_requires_grad(true);
  Adam opt(m.params, {.lr = 0.01});
  for (int64_t step = 1; step <= 50; ++step) m.train_step(opt, step);
  const auto want = test::fixture_get(f, "adam.params").select(0, 5).to_vector<double>();
  const auto got = m.flat();
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4) << i;
}

// A tensor large enough for the threaded loop gives bitwise the same result as updating its
// pieces one by one with the serial loop (the update is elementwise).
TEST(Optimizer, ThreadedUpdateEqualsSerial) {
  const int64_t n = 200000, piece = 1000;
  Generator gen(5);
  Tensor x0 = Tensor::randn({n}, DType::Float32, &gen);
  Tensor g = Tensor::randn({n}, DType::Float32, &gen);
  const int threads = get_num_threads();
  set_num_threads(2);
  Tensor big = x0.clone_data().set_requires_grad(true);
  RMSprop opt_big({big}, {.lr = 0.01, .momentum = 0.5, .centered = true});
  std::vector<Tensor> pieces;
  for (int64_t i = 0; i < n; i += piece)
    pieces.push_back(
        x0.clone_data().as_strided({piece}, {1}, i).clone_data().set_requires_grad(true));
  RMSprop opt_small(pieces, {.lr = 0.01, .momentum = 0.5, .centered = true});
  for (int step = 0; step < 3; ++step) {
    big.set_grad(g);
    for (size_t k = 0; k < pieces.size(); ++k)
      pieces[k].set_grad(g.as_strided({piece}, {1}, static_cast<int64_t>(k) * piece).clone_data());
    opt_big.step();
    opt_small.step();
  }
  set_num_threads(threads);
  const auto whole = big.to_vector<float>();
  for (size_t k = 0; k < pieces.size(); ++k) {
    const auto part = pieces[k].to_vector<float>();
    for (int64_t i = 0; i < piece; ++i)
      ASSERT_EQ(part[i], whole[k * piece + i]) << "element " << k * piece + i;
  }
}

TEST(Optimizer, AdadeltaNeedsNoLearningRate) {
  EXPECT_EQ(AdadeltaOptions{}.lr, 1.0);
  // With lr = 1 the first step is sqrt(eps) / sqrt((1 - rho) g^2 + eps) * g (Zeiler's rule).
  Tensor p = param({1}, 0.0);
  Adadelta opt({p});
  p.set_grad(Tensor::full({1}, 2.0, DType::Float64));
  opt.step();
  const double eps = 1e-6, rho = 0.9;
  EXPECT_NEAR(p.item(), -std::sqrt(eps) / std::sqrt((1 - rho) * 4 + eps) * 2, 1e-15);
}

TEST(Functional, OperandChecks) {
  auto z = [](int64_t n = 3, DType dt = DType::Float64) { return Tensor::zeros({n}, dt); };
  Tensor x = z(), g = z(), m = z(), v = z();
  EXPECT_NO_THROW(functional::adam_step(x, g, m, v, Tensor(), {}));
  EXPECT_THROW(functional::adam_step(x, z(4), m, v, Tensor(), {}), Error);                  // shape
  EXPECT_THROW(functional::adam_step(x, z(3, DType::Float32), m, v, Tensor(), {}), Error);  // dtype
  EXPECT_THROW(functional::adam_step(x, g, m, v, Tensor(), {.amsgrad = true}), Error);  // no vmax
  EXPECT_THROW(functional::adam_step(x, g, m, v, Tensor(), {.bias_correction1 = 0}), Error);
  EXPECT_THROW(functional::adam_step(x, g, m, x, Tensor(), {}), Error);  // shared memory
  EXPECT_THROW(functional::sgd_step(x, g, Tensor(), true, {.lr = 0.1, .momentum = 0.9}), Error);
  EXPECT_THROW(functional::rmsprop_step(x, g, m, Tensor(), Tensor(), {.centered = true}), Error);
  EXPECT_THROW(functional::adagrad_step(z(3, DType::Int64), g, m, {}), Error);
  Tensor strided = z(6).as_strided({3}, {2}, 0);
  EXPECT_THROW(functional::adadelta_step(strided, g, m, v, {}), Error);
}

}  // namespace
}  // namespace nabla::optim
