// One optimizer update of one tensor, as fused loops over contiguous memory: the math of
// every optimizer in nabla::optim, usable on its own (the ONNX training ops map onto these).
// Each function updates `param` and its buffers in place; no graph is recorded.
//
// Layout: param, grad and every buffer are contiguous, of one floating dtype, and of the same
// shape (checked). The arithmetic runs in that dtype, in PyTorch 1.13's order of operations.
#pragma once
#include "nabla/core/tensor.hpp"

namespace nabla::optim::functional {

// d = g (+ weight_decay * x); with momentum: buf = first ? d : momentum*buf + (1-dampening)*d,
// d = nesterov ? d + momentum*buf : buf;  x -= lr * d.
struct SgdParams {
  double lr = 0;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
  bool maximize = false;
};
// momentum_buffer: undefined when momentum == 0. first: the buffer is filled from d.
void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& momentum_buffer, bool first,
              const SgdParams& p);

// sum += d*d;  x -= clr * d / (sqrt(sum) + eps), clr = lr / (1 + (step-1) * lr_decay).
struct AdagradParams {
  double clr = 0;
  double weight_decay = 0;
  double eps = 1e-10;
  bool maximize = false;
};
void adagrad_step(const Tensor& param, const Tensor& grad, const Tensor& sum,
                  const AdagradParams& p);

// sq = rho*sq + (1-rho)*d*d;  delta = sqrt(acc + eps) / sqrt(sq + eps) * d;
// acc = rho*acc + (1-rho)*delta^2;  x -= lr * delta.
struct AdadeltaParams {
  double lr = 1;
  double rho = 0.9;
  double eps = 1e-6;
  double weight_decay = 0;
  bool maximize = false;
};
void adadelta_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg,
                   const Tensor& acc_delta, const AdadeltaParams& p);

// sq = alpha*sq + (1-alpha)*d*d; centered: ga = alpha*ga + (1-alpha)*d, avg = sqrt(sq - ga^2)
// else avg = sqrt(sq); avg += eps; momentum: buf = momentum*buf + d/avg, x -= lr*buf,
// else x -= lr * d/avg.
struct RmspropParams {
  double lr = 0.01;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum = 0;
  bool centered = false;
  bool maximize = false;
};
// grad_avg: undefined unless centered; momentum_buffer: undefined unless momentum > 0.
void rmsprop_step(const Tensor& param, const Tensor& grad, const Tensor& square_avg,
                  const Tensor& grad_avg, const Tensor& momentum_buffer, const RmspropParams& p);

// x *= 1 - lr*decoupled_weight_decay (AdamW); d = g (+ weight_decay*x) (Adam's L2);
// m = b1*m + (1-b1)*d;  v = b2*v + (1-b2)*d*d;  amsgrad: vmax = max(vmax, v), v' = vmax;
// x -= lr/bias_correction1 * m / (sqrt(v')/sqrt(bias_correction2) + eps).
// The bias corrections are inputs (1 - beta^step in Adam) so other conventions fit too.
struct AdamParams {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
  double decoupled_weight_decay = 0;
  double bias_correction1 = 1;
  double bias_correction2 = 1;
  bool amsgrad = false;
  bool maximize = false;
};
// max_exp_avg_sq: undefined unless amsgrad.
void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
               const Tensor& exp_avg_sq, const Tensor& max_exp_avg_sq, const AdamParams& p);

// NAdam: d = g (+ weight_decay*x); m = b1*m + (1-b1)*d;  v = b2*v + (1-b2)*d*d;
// denom = sqrt(v)/sqrt(bias_correction2) + eps;  x -= grad_step * d/denom;  x -= avg_step *
// m/denom. The two step sizes carry the momentum schedule (nabla/optim/nadam.cpp computes them):
// grad_step = lr*(1-mu_t)/(1-prod_{i<=t} mu_i), avg_step = lr*mu_{t+1}/(1-prod_{i<=t+1} mu_i).
struct NadamParams {
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;
  double bias_correction2 = 1;
  double grad_step = 0;
  double avg_step = 0;
};
void nadam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
                const Tensor& exp_avg_sq, const NadamParams& p);

}  // namespace nabla::optim::functional
