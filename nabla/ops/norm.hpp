// Normalisation layers' functional forms (batch, layer, instance, group norm). The public
// functions run fused kernels (one statistics pass, one output pass, a two-pass backward); the
// *_reference versions at the end are built from the differentiable primitives of
// elementwise/reduce/shape and serve as their oracles in the tests.
// x: (N,C), (N,C,L) or (N,C,H,W) for batch and instance norm; any shape for layer norm;
// (N,C,...) for group norm. weight/bias may be undefined (no affine part).
#pragma once
#include <vector>

#include "nabla/core/tensor.hpp"

namespace nabla {

// Normalises each channel c over (N, spatial...). training: uses the batch statistics and, if
// running_mean/running_var are defined, updates them in place (outside the graph):
//   running_mean = (1 - momentum) running_mean + momentum mean
//   running_var  = (1 - momentum) running_var  + momentum var_unbiased
// eval (training = false): uses the running statistics, which must be defined.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum = 0.1,
                  double eps = 1e-5);

// Normalises over the last normalized_shape.size() dims, which must equal normalized_shape;
// weight and bias (if defined) have shape normalized_shape.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

// Normalises each (n, c) plane over its spatial dims. x: (N,C,L) or (N,C,H,W).
// use_input_stats (PyTorch's default, and always in training): statistics of the instance;
// running stats, if defined, are updated with the batch average of the per-instance stats.
// Otherwise the running statistics are used (eval with track_running_stats).
Tensor instance_norm(const Tensor& x, const Tensor& running_mean = Tensor(),
                     const Tensor& running_var = Tensor(), const Tensor& weight = Tensor(),
                     const Tensor& bias = Tensor(), bool use_input_stats = true,
                     double momentum = 0.1, double eps = 1e-5);

// Splits the C channels into num_groups groups and normalises each (n, group) over its channels
// and spatial dims; weight/bias are per channel (C).
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

// ---- the same, composed from primitives: slower (about eight passes over x and a graph of
// small nodes) but obviously right; same arguments, checks and running-statistics updates ----
Tensor batch_norm_reference(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                            const Tensor& weight, const Tensor& bias, bool training,
                            double momentum = 0.1, double eps = 1e-5);
Tensor layer_norm_reference(const Tensor& x, const Shape& normalized_shape,
                            const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                            double eps = 1e-5);
Tensor instance_norm_reference(const Tensor& x, const Tensor& running_mean = Tensor(),
                               const Tensor& running_var = Tensor(),
                               const Tensor& weight = Tensor(), const Tensor& bias = Tensor(),
                               bool use_input_stats = true, double momentum = 0.1,
                               double eps = 1e-5);
Tensor group_norm_reference(const Tensor& x, int64_t num_groups, const Tensor& weight = Tensor(),
                            const Tensor& bias = Tensor(), double eps = 1e-5);

}  // namespace nabla
