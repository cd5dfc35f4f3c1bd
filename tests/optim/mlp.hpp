// The fixed problem of scripts/fixtures/make_optim_fixtures.py: a 4-8-3 tanh MLP in float64,
// MSE on 16 fixed rows, mini-batches of 4 taken in order.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/matmul.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"
#include "nabla/optim/optim.hpp"
#include "tests/support/fixtures.hpp"

namespace nabla::test {

struct Mlp {
  Tensor x, y;
  std::vector<Tensor> params;  // w1 (8,4), b1 (8), w2 (3,8), b2 (3); leaves requiring grad

  static Mlp from_fixture(const io::TensorMap& f) {
    Mlp m;
    m.x = fixture_get(f, "data.x");
    m.y = fixture_get(f, "data.y");
    for (const char* k : {"init.w1", "init.b1", "init.w2", "init.b2"}) {
      Tensor p = fixture_get(f, k).clone_data();
      p.set_requires_grad(true);
      m.params.push_back(p);
    }
    return m;
  }

  static constexpr int64_t kBatch = 4;

  // Loss on mini-batch `b` (rows 4b..4b+3), graph recorded.
  Tensor loss(int64_t b, const std::vector<Tensor>& p) const {
    Tensor xb = narrow(x, 0, b * kBatch, kBatch), yb = narrow(y, 0, b * kBatch, kBatch);
    Tensor h = tanh(linear(xb, p[0], p[1]));
    Tensor d = sub(linear(h, p[2], p[3]), yb);
    return mean(mul(d, d));
  }
  Tensor loss(int64_t b) const { return loss(b, params); }

  // One training step: zero_grad, forward on batch (step-1) % 4, backward, opt.step().
  // Returns the loss value.
  double train_step(optim::Optimizer& opt, int64_t step) const {
    opt.zero_grad();
    Tensor l = loss((step - 1) % (x.size(0) / kBatch));
    l.backward();
    opt.step();
    return l.item();
  }

  // All parameters flattened in order (the fixture's row layout).
  std::vector<double> flat() const {
    std::vector<double> out;
    for (const auto& p : params) {
      auto v = p.to_vector<double>();
      out.insert(out.end(), v.begin(), v.end());
    }
    return out;
  }
};

}  // namespace nabla::test
