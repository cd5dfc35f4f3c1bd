// Reference pooling kernels: plain loops that mirror the formulas, one output cell at a time.
// They are the oracle for the fast kernels in nabla/kernels/cpu/pool.hpp (same signatures).
//
// Shapes (all contiguous, NCHW): x, grad_x: (N,C,H,W); y, grad_y, indices: (N,C,OH,OW).
// indices hold the flat position h*W+w of each maximum inside its (H,W) plane; -1 marks a
// window with no input cell (cannot happen for parameters the ops accept).
// indices may be nullptr when no backward will follow (inference skips the bookkeeping).
// Backward kernels overwrite grad_x (they do not accumulate into it).
#pragma once
#include <cstdint>

#include "nabla/kernels/pool_params.hpp"

namespace nabla::kernels::reference {

// Padded cells are -inf and never win; the first maximum wins ties; a NaN wins (and propagates).
template <class T>
void max_pool2d_forward(const Pool2dParams& p, const T* x, T* y, int64_t* indices);
// grad_x[indices[o]] += grad_y[o] per plane
template <class T>
void max_pool2d_backward(const Pool2dParams& p, const T* grad_y, const int64_t* indices, T* grad_x);

// divisor: divisor_override if set, else the window clipped to the padded input
// (count_include_pad) or to the input (not count_include_pad).
template <class T>
void avg_pool2d_forward(const Pool2dParams& p, const T* x, T* y);
template <class T>
void avg_pool2d_backward(const Pool2dParams& p, const T* grad_y, T* grad_x);

template <class T>
void adaptive_avg_pool2d_forward(const AdaptivePool2dParams& p, const T* x, T* y);
template <class T>
void adaptive_avg_pool2d_backward(const AdaptivePool2dParams& p, const T* grad_y, T* grad_x);
template <class T>
void adaptive_max_pool2d_forward(const AdaptivePool2dParams& p, const T* x, T* y, int64_t* indices);
template <class T>
void adaptive_max_pool2d_backward(const AdaptivePool2dParams& p, const T* grad_y,
                                  const int64_t* indices, T* grad_x);

}  // namespace nabla::kernels::reference
