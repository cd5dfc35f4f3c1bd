// Losses against PyTorch 1.13 (fixtures from scripts/fixtures/make_loss_fixtures.py), in float64
// and float32; stability at +-1000; gradcheck for every loss and option; error messages.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <sstream>
#include <string>

#include "nabla/autograd/gradcheck.hpp"
#include "nabla/autograd/node.hpp"
#include "nabla/io/safetensors.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/loss.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"
#include "tests/support/fixtures.hpp"

namespace nabla {
namespace {

using Options = std::map<std::string, std::string>;

Options parse_options(const std::string& s) {
  Options o;
  std::stringstream ss(s);
  std::string kv;
  while (std::getline(ss, kv, ';')) {
    const auto eq = kv.find('=');
    if (eq != std::string::npos) o[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return o;
}

// One fixture case's tensors, converted to the dtype under test.
struct CaseData {
  Tensor input, target, weight, pos_weight;
  Options opt;
};

Tensor get_or_empty(const io::TensorMap& m, const std::string& key, DType dt) {
  auto it = m.find(key);
  if (it == m.end()) return Tensor();
  return it->second.clone_data().to(dt);
}

using LossCall = std::function<Tensor(const CaseData&)>;

// Runs every case of tests/fixtures/<file>.safetensors through `call` in float64 (tight) and
// float32 (loose): the loss value and the gradients of sum(out * grad_output) with respect to the
// input (and the target where the fixture has grad_target).
void check_against_torch(const std::string& file, size_t min_cases, const LossCall& call) {
  io::Metadata meta;
  const io::TensorMap m =
      io::load_safetensors(std::string(NABLA_FIXTURES) + "/" + file + ".safetensors", &meta);
  ASSERT_GE(meta.size(), min_cases) << file;
  for (const auto& [name, optstr] : meta) {
    for (DType dt : {DType::Float64, DType::Float32}) {
      SCOPED_TRACE(name + " " + dtype_name(dt) + " {" + optstr + "}");
      const bool f64 = dt == DType::Float64;
      const double rtol = f64 ? 1e-9 : 1e-4, atol = f64 ? 1e-10 : 1e-5;
      CaseData c;
      c.opt = parse_options(optstr);
      c.input = get_or_empty(m, name + ".input", dt).set_requires_grad(true);
      const Tensor& traw = test::fixture_get(m, name + ".target");
      const bool target_grad = m.count(name + ".grad_target") > 0;
      c.target = is_floating(traw.dtype()) ? traw.clone_data().to(dt) : traw.clone_data();
      if (target_grad) c.target.set_requires_grad(true);
      c.weight = get_or_empty(m, name + ".weight", dt);
      c.pos_weight = get_or_empty(m, name + ".pos_weight", dt);

      Tensor out = call(c);
      EXPECT_EQ(out.dtype(), dt);
      EXPECT_TRUE(test::all_close(out, test::fixture_get(m, name + ".out"), rtol, atol)) << "value";
      std::vector<Tensor> wrt{c.input};
      if (target_grad) wrt.push_back(c.target);
      Tensor gout = test::fixture_get(m, name + ".grad_output").clone_data().to(dt);
      auto grads = autograd::grad(out, wrt, gout);
      EXPECT_TRUE(test::all_close(grads[0], test::fixture_get(m, name + ".grad_input"), rtol, atol))
          << "grad_input";
      if (target_grad) {
        EXPECT_TRUE(
            test::all_close(grads[1], test::fixture_get(m, name + ".grad_target"), rtol, atol))
            << "grad_target";
      }
    }
  }
}

Reduction red(const CaseData& c) { return reduction_from_string(c.opt.at("reduction")); }

CrossEntropyOptions ce_options(const CaseData& c) {
  return {.weight = c.weight,
          .ignore_index = std::stoll(c.opt.at("ignore_index")),
          .label_smoothing = std::stod(c.opt.at("label_smoothing")),
          .reduction = red(c)};
}

TEST(LossTorch, MseLoss) {
  check_against_torch("loss_mse", 4,
                      [](const CaseData& c) { return mse_loss(c.input, c.target, red(c)); });
}

TEST(LossTorch, CrossEntropyClassIndices) {
  check_against_torch("loss_ce", 35, [](const CaseData& c) {
    return cross_entropy(c.input, c.target, ce_options(c));
  });
}

TEST(LossTorch, CrossEntropyProbabilities) {
  check_against_torch("loss_ce_prob", 16, [](const CaseData& c) {
    return cross_entropy(c.input, c.target, ce_options(c));
  });
}

TEST(LossTorch, NllLoss) {
  check_against_torch("loss_nll", 15, [](const CaseData& c) {
    return nll_loss(c.input, c.target,
                    {.weight = c.weight,
                     .ignore_index = std::stoll(c.opt.at("ignore_index")),
                     .reduction = red(c)});
  });
}

TEST(LossTorch, BinaryCrossEntropy) {
  check_against_torch("loss_bce", 8, [](const CaseData& c) {
    return binary_cross_entropy(c.input, c.target, {.weight = c.weight, .reduction = red(c)});
  });
}

TEST(LossTorch, BinaryCrossEntropyWithLogits) {
  check_against_torch("loss_bce_logits", 14, [](const CaseData& c) {
    return binary_cross_entropy_with_logits(
        c.input, c.target, {.weight = c.weight, .pos_weight = c.pos_weight, .reduction = red(c)});
  });
}

// ---- stability ----------------------------------------------------------------------------

bool all_finite(const Tensor& t) {
  for (double v : t.to_vector<double>())
    if (!std::isfinite(v)) return false;
  return true;
}

TEST(LossStability, CrossEntropyAtPlusMinus1000IsFiniteAndExact) {
  for (DType dt : {DType::Float32, DType::Float64}) {
    Tensor x = Tensor::from_vector(std::vector<double>{1000, -1000, 0, -1000, 1000, 999}, {2, 3})
                   .to(dt)
                   .set_requires_grad(true);
    Tensor t = Tensor::from_vector(std::vector<int64_t>{1, 2}, {2});
    Tensor l = cross_entropy(x, t, {.reduction = Reduction::None});
    ASSERT_TRUE(all_finite(l));
    // row 0: lse = 1000, -logp[1] = 2000; row 1: lse = 1000 + log(1 + e^-1), -logp[2] = 1 +
    // log(1+e^-1)
    EXPECT_NEAR(l.at({0}), 2000.0, 1e-3);
    EXPECT_NEAR(l.at({1}), 1.0 + std::log1p(std::exp(-1.0)), 1e-5);
    Tensor g = autograd::grad(sum(l), {x})[0];
    ASSERT_TRUE(all_finite(g));
    EXPECT_NEAR(g.at({0, 0}), 1.0, 1e-6);
    EXPECT_NEAR(g.at({0, 1}), -1.0, 1e-6);
    // probabilities sum to one, so each row of the gradient sums to zero
    EXPECT_NEAR(g.at({1, 0}) + g.at({1, 1}) + g.at({1, 2}), 0.0, 1e-6);
  }
}

TEST(LossStability, BinaryCrossEntropyWithLogitsAtPlusMinus1000) {
  Tensor x = Tensor::from_vector(std::vector<float>{1000, -1000, 1000, -1000}, {4})
                 .set_requires_grad(true);
  Tensor y = Tensor::from_vector(std::vector<float>{1, 0, 0, 1}, {4});
  Tensor l = binary_cross_entropy_with_logits(x, y, {.reduction = Reduction::None});
  EXPECT_TRUE(test::all_close(l, Tensor::from_vector(std::vector<float>{0, 0, 1000, 1000}, {4}),
                              1e-6, 1e-6));
  Tensor g = autograd::grad(sum(l), {x})[0];
  EXPECT_TRUE(
      test::all_close(g, Tensor::from_vector(std::vector<float>{0, 0, 1, -1}, {4}), 1e-6, 1e-6));
}

TEST(LossStability, BinaryCrossEntropyClampsLogAtMinus100) {
  Tensor p = Tensor::from_vector(std::vector<float>{0, 1}, {2});
  Tensor y = Tensor::from_vector(std::vector<float>{1, 0}, {2});
  Tensor l = binary_cross_entropy(p, y, {.reduction = Reduction::None});
  EXPECT_TRUE(test::all_close(l, Tensor::from_vector(std::vector<float>{100, 100}, {2}), 1e-6, 0));
}

TEST(LossStability, WeightedMeanWithEveryTargetIgnoredIsNanAsInTorch) {
  Tensor x = Tensor::randn({3, 4});
  Tensor t = Tensor::from_vector(std::vector<int64_t>{-100, -100, -100}, {3});
  EXPECT_TRUE(std::isnan(cross_entropy(x, t).item()));
}

// ---- gradcheck (float64) for every loss and option ----------------------------------------

void expect_gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn,
                      const std::vector<Tensor>& inputs, const std::string& what) {
  auto r = autograd::gradcheck(fn, inputs);
  EXPECT_TRUE(r.ok) << what << ": " << r.message;
}

const Reduction kReductions[] = {Reduction::None, Reduction::Mean, Reduction::Sum};

TEST(LossGradcheck, MseBothArguments) {
  Generator gen(1);
  for (Reduction r : kReductions) {
    Tensor a = Tensor::randn({3, 4}, DType::Float64, &gen).set_requires_grad(true);
    Tensor b = Tensor::randn({3, 4}, DType::Float64, &gen).set_requires_grad(true);
    expect_gradcheck([r](const std::vector<Tensor>& v) { return mse_loss(v[0], v[1], r); }, {a, b},
                     reduction_name(r));
  }
}

TEST(LossGradcheck, CrossEntropyEveryOption) {
  Generator gen(2);
  Tensor w = Tensor::rand({4}, DType::Float64, &gen).add_(Tensor::scalar(0.5, DType::Float64));
  for (Reduction r : kReductions)
    for (bool weighted : {false, true})
      for (int64_t ignore : {int64_t(-100), int64_t(1)})
        for (double ls : {0.0, 0.15})
          for (bool spatial : {false, true}) {
            Tensor x = (spatial ? Tensor::randn({2, 4, 3}, DType::Float64, &gen)
                                : Tensor::randn({5, 4}, DType::Float64, &gen))
                           .set_requires_grad(true);
            Tensor t = spatial ? Tensor::from_vector(std::vector<int64_t>{0, 1, 3, 2, 1, 0}, {2, 3})
                               : Tensor::from_vector(std::vector<int64_t>{0, 1, 3, 2, 1}, {5});
            CrossEntropyOptions o{.weight = weighted ? w : Tensor(),
                                  .ignore_index = ignore,
                                  .label_smoothing = ls,
                                  .reduction = r};
            std::ostringstream what;
            what << reduction_name(r) << " w" << weighted << " ignore " << ignore << " ls " << ls
                 << " spatial " << spatial;
            expect_gradcheck(
                [o](const std::vector<Tensor>& v) { return cross_entropy(v[0], v[1], o); }, {x, t},
                what.str());
          }
}

TEST(LossGradcheck, CrossEntropyProbabilityTargetsInputAndTarget) {
  Generator gen(3);
  Tensor w = Tensor::rand({3}, DType::Float64, &gen).add_(Tensor::scalar(0.5, DType::Float64));
  for (Reduction r : kReductions)
    for (bool weighted : {false, true})
      for (double ls : {0.0, 0.2}) {
        Tensor x = Tensor::randn({2, 3, 2}, DType::Float64, &gen).set_requires_grad(true);
        Tensor y =
            softmax(Tensor::randn({2, 3, 2}, DType::Float64, &gen), 1).set_requires_grad(true);
        CrossEntropyOptions o{
            .weight = weighted ? w : Tensor(), .label_smoothing = ls, .reduction = r};
        expect_gradcheck([o](const std::vector<Tensor>& v) { return cross_entropy(v[0], v[1], o); },
                         {x, y},
                         std::string(reduction_name(r)) + (weighted ? " weighted" : "") + " ls " +
                             std::to_string(ls));
      }
}

TEST(LossGradcheck, NllLossEveryOption) {
  Generator gen(4);
  Tensor w = Tensor::rand({3}, DType::Float64, &gen).add_(Tensor::scalar(0.5, DType::Float64));
  for (Reduction r : kReductions)
    for (bool weighted : {false, true})
      for (int64_t ignore : {int64_t(-100), int64_t(2)}) {
        Tensor x = Tensor::randn({4, 3}, DType::Float64, &gen).set_requires_grad(true);
        Tensor t = Tensor::from_vector(std::vector<int64_t>{2, 0, 1, 2}, {4});
        NllLossOptions o{.weight = weighted ? w : Tensor(), .ignore_index = ignore, .reduction = r};
        expect_gradcheck([o](const std::vector<Tensor>& v) { return nll_loss(v[0], v[1], o); },
                         {x, t}, reduction_name(r));
      }
}

TEST(LossGradcheck, BinaryCrossEntropyInputAndTarget) {
  Generator gen(5);
  Tensor w = Tensor::rand({3}, DType::Float64, &gen).add_(Tensor::scalar(0.5, DType::Float64));
  for (Reduction r : kReductions)
    for (bool weighted : {false, true}) {
      // probabilities kept away from 0 and 1 so central differences stay inside [0, 1]
      Tensor p = Tensor::rand({4, 3}, DType::Float64, &gen)
                     .mul_(0.8)
                     .add_(Tensor::scalar(0.1, DType::Float64));
      p.set_requires_grad(true);
      Tensor y = Tensor::rand({4, 3}, DType::Float64, &gen).set_requires_grad(true);
      BceOptions o{.weight = weighted ? w : Tensor(), .reduction = r};
      expect_gradcheck(
          [o](const std::vector<Tensor>& v) { return binary_cross_entropy(v[0], v[1], o); }, {p, y},
          reduction_name(r));
    }
}

TEST(LossGradcheck, BinaryCrossEntropyWithLogitsEveryOption) {
  Generator gen(6);
  Tensor w = Tensor::rand({4, 3}, DType::Float64, &gen).add_(Tensor::scalar(0.5, DType::Float64));
  Tensor pw = Tensor::from_vector(std::vector<double>{3.0, 0.5, 1.5}, {3});
  for (Reduction r : kReductions)
    for (bool weighted : {false, true})
      for (bool pos : {false, true}) {
        Tensor x = Tensor::randn({4, 3}, DType::Float64, &gen).mul_(3).set_requires_grad(true);
        Tensor y = Tensor::rand({4, 3}, DType::Float64, &gen).set_requires_grad(true);
        BceWithLogitsOptions o{
            .weight = weighted ? w : Tensor(), .pos_weight = pos ? pw : Tensor(), .reduction = r};
        expect_gradcheck(
            [o](const std::vector<Tensor>& v) {
              return binary_cross_entropy_with_logits(v[0], v[1], o);
            },
            {x, y}, reduction_name(r));
      }
}

// ---- errors name the op, what was expected and what came -----------------------------------

void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no nabla::Error thrown";
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const auto& p : parts)
      EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

TEST(LossErrors, TargetClassOutOfRange) {
  Tensor x = Tensor::randn({3, 4});
  Tensor t = Tensor::from_vector(std::vector<int64_t>{0, 4, 1}, {3});
  expect_error([&] { cross_entropy(x, t); }, {"cross_entropy", "4", "[0, 4)", "position 1"});
  expect_error([&] { nll_loss(x, t); }, {"nll_loss", "out of range"});
  Tensor neg = Tensor::from_vector(std::vector<int64_t>{0, -1, 1}, {3});
  expect_error([&] { cross_entropy(x, neg); }, {"cross_entropy", "-1"});
}

TEST(LossErrors, TargetShapes) {
  Tensor x = Tensor::randn({3, 4});
  expect_error([&] { cross_entropy(x, Tensor::zeros({4}, DType::Int64)); },
               {"cross_entropy", "[3]", "[4]"});
  expect_error(
      [&] {
        cross_entropy(x, Tensor::zeros({3, 5}));
      },
      {"cross_entropy", "[3, 4]", "[3, 5]"});
  expect_error(
      [&] {
        cross_entropy(x, Tensor::rand({3, 4}), {.ignore_index = 0});
      },
      {"cross_entropy", "ignore_index"});
  expect_error(
      [&] { cross_entropy(x, Tensor::zeros({3}, DType::Int64), {.weight = Tensor::ones({3})}); },
      {"cross_entropy", "weight", "(4)", "[3]"});
  expect_error(
      [&] { cross_entropy(x, Tensor::zeros({3}, DType::Int64), {.label_smoothing = 1.5}); },
      {"label_smoothing", "1.5"});
  expect_error([&] { nll_loss(x, Tensor::zeros({3})); }, {"nll_loss", "int64", "float32"});
  expect_error(
      [&] {
        mse_loss(Tensor::zeros({3, 1}), Tensor::zeros({3}));
      },
      {"mse_loss", "[3, 1]", "[3]"});
  expect_error(
      [&] {
        binary_cross_entropy_with_logits(x, Tensor::zeros({3, 4}),
                                         {.pos_weight = Tensor::ones({3})});
      },
      {"binary_cross_entropy_with_logits", "pos_weight"});
  expect_error([&] { reduction_from_string("avg"); }, {"reduction", "avg"});
}

TEST(LossErrors, BceNeedsProbabilities) {
  Tensor p = Tensor::from_vector(std::vector<float>{0.5f, 1.5f}, {2});
  expect_error([&] { binary_cross_entropy(p, Tensor::zeros({2})); },
               {"binary_cross_entropy", "[0, 1]", "1.5", "with_logits"});
}

// ---- the MLE view: NLL of log_softmax is cross-entropy, and one-hot targets match indices ---

TEST(LossIdentities, CrossEntropyIsNllOfLogSoftmaxAndOneHotMatchesIndices) {
  Generator gen(7);
  Tensor x = Tensor::randn({6, 5}, DType::Float64, &gen);
  Tensor t = Tensor::from_vector(std::vector<int64_t>{0, 4, 2, 2, 1, 3}, {6});
  const double ce = cross_entropy(x, t).item();
  EXPECT_NEAR(ce, nll_loss(log_softmax(x, 1), t).item(), 1e-12);
  std::vector<double> onehot(30, 0.0);
  const auto tv = t.to_vector<int64_t>();
  for (int i = 0; i < 6; ++i) onehot[i * 5 + tv[i]] = 1;
  EXPECT_NEAR(ce, cross_entropy(x, Tensor::from_vector(onehot, {6, 5})).item(), 1e-12);
}

// Semantic segmentation's per-pixel loss (notes §9-1): (N, C, H, W) logits with (N, H, W)
// targets must be the (N*H*W, C) loss of every pixel as its own sample, weights and ignored
// pixels included, in value and in gradient.
TEST(LossIdentities, PerPixelCrossEntropyIsTheLossOfEveryPixelAsASample) {
  Generator gen(8);
  const int64_t N = 2, C = 3, H = 2, W = 3;
  Tensor w = Tensor::from_vector(std::vector<double>{0.2, 1.0, 2.5}, {C});
  const std::vector<int64_t> tv{0, 1, 2, 2, 1, 0, 1, 1, -100, 2, 0, 2};
  Tensor t = Tensor::from_vector(tv, {N, H, W});
  for (Reduction r : kReductions) {
    Tensor x = Tensor::randn({N, C, H, W}, DType::Float64, &gen).set_requires_grad(true);
    CrossEntropyOptions o{.weight = w, .reduction = r};
    Tensor dense = cross_entropy(x, t, o);
    // pixels as rows: (N, C, H, W) -> (N, H, W, C) -> (N*H*W, C)
    Tensor rows = reshape(permute(x, {0, 2, 3, 1}), {N * H * W, C});
    Tensor flat = cross_entropy(rows, reshape(t, {N * H * W}), o);
    const auto dv = dense.to_vector<double>(), fv = flat.to_vector<double>();
    ASSERT_EQ(dv.size(), fv.size()) << reduction_name(r);
    for (size_t i = 0; i < dv.size(); ++i) EXPECT_NEAR(dv[i], fv[i], 1e-12) << reduction_name(r);
    Tensor gd = autograd::grad(sum(dense), {x})[0];
    Tensor gf = autograd::grad(sum(flat), {x})[0];
    const auto a = gd.to_vector<double>(), b = gf.to_vector<double>();
    for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-12) << reduction_name(r);
  }
  // weighted mean by hand: sum_i w[t_i] * (-log softmax(x_i)[t_i]) / sum_i w[t_i], ignored out
  Tensor x = Tensor::randn({N, C, H, W}, DType::Float64, &gen);
  const auto xv = x.to_vector<double>();
  const auto wv = w.to_vector<double>();
  double num = 0, den = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t p = 0; p < H * W; ++p) {
      const int64_t c = tv[static_cast<size_t>(n * H * W + p)];
      if (c < 0) continue;
      double lse = 0;
      for (int64_t k = 0; k < C; ++k)
        lse += std::exp(xv[static_cast<size_t>((n * C + k) * H * W + p)]);
      num += wv[c] * (std::log(lse) - xv[static_cast<size_t>((n * C + c) * H * W + p)]);
      den += wv[c];
    }
  EXPECT_NEAR(cross_entropy(x, t, {.weight = w}).item(), num / den, 1e-12);
}

}  // namespace
}  // namespace nabla
