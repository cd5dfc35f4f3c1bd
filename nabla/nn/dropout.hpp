// Dropout layers: active in training mode only (identity after eval()).
#pragma once
#include "nabla/core/random.hpp"
#include "nabla/nn/module.hpp"

namespace nabla::nn {

// Zeroes each element with probability p and scales the rest by 1/(1-p). Random numbers come
// from `gen` (not owned; must outlive the module) or nabla::default_generator() when null,
// so nabla::manual_seed fixes the masks.
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double p() const { return p_; }

 private:
  double p_;
  Generator* gen_;
};

// Drops whole channels of (N, C, H, W) (Tompson et al.): better for conv features, whose
// neighbouring pixels are correlated.
class Dropout2d : public Module {
 public:
  explicit Dropout2d(double p = 0.5, Generator* gen = nullptr);
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  double p() const { return p_; }

 private:
  double p_;
  Generator* gen_;
};

}  // namespace nabla::nn
