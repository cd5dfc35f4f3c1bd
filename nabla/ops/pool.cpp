// Pooling ops: argument checks (PyTorch's rules, with the actual values in the message), shape
// inference, and the forward/backward kernels of nabla/kernels/cpu/pool.hpp side by side.
// Backward passes are raw kernels (no second derivative), as for PyTorch's pooling.
#include "nabla/ops/pool.hpp"

#include <sstream>
#include <string>
#include <vector>

#include "nabla/autograd/node.hpp"
#include "nabla/core/checked.hpp"
#include "nabla/kernels/cpu/pool.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla {

namespace {

std::string pair_str(int64_t h, int64_t w) {
  std::ostringstream os;
  os << "(" << h << ", " << w << ")";
  return os.str();
}
std::string pair_str(Size2 s) { return pair_str(s.h, s.w); }

// A 2-D pooling input: (N,C,H,W), or (C,H,W) seen as N = 1.
struct PoolInput {
  int64_t batch = 1, channels = 1, h = 1, w = 1;
  bool batched = true;
  Shape output_shape(int64_t oh, int64_t ow) const {
    return batched ? Shape{batch, channels, oh, ow} : Shape{channels, oh, ow};
  }
};

PoolInput check_input_shape(const Shape& s, const char* op) {
  NABLA_CHECK(s.size() == 3 || s.size() == 4, op,
              "expected a 4-D (N,C,H,W) or 3-D (C,H,W) input, got shape ", shape_str(s));
  PoolInput in;
  in.batched = s.size() == 4;
  const size_t o = in.batched ? 1 : 0;
  in.batch = in.batched ? s[0] : 1;
  in.channels = s[o], in.h = s[o + 1], in.w = s[o + 2];
  NABLA_CHECK(
      in.channels > 0 && in.h > 0 && in.w > 0, op,
      "expected non-zero channels, height and width (only the batch may be empty), got shape ",
      shape_str(s));
  return in;
}

PoolInput check_input(const Tensor& x, const char* op) {
  NABLA_CHECK(x.defined(), op, "the input is an undefined tensor");
  NABLA_CHECK(is_floating(x.dtype()), op, "expected a float32 or float64 input, got ",
              dtype_name(x.dtype()));
  return check_input_shape(x.shape(), op);
}

// pool_output_size (kernels/pool_params.hpp) and the kernels do plain int64 arithmetic on sums
// of these terms (window start + kernel, padded input + stride, ...); checking that their total
// fits keeps every such sum exact, so huge values give an error instead of a wrapped size.
void check_window_fits(int64_t in, int64_t kernel, int64_t stride, int64_t pad, int64_t dilation,
                       const char* op) {
  int64_t extent, pads, strides, total;
  const bool overflow =
      __builtin_mul_overflow(dilation, kernel, &extent) || __builtin_mul_overflow(pad, 4, &pads) ||
      __builtin_mul_overflow(stride, 2, &strides) || __builtin_add_overflow(in, pads, &total) ||
      __builtin_add_overflow(total, extent, &total) ||
      __builtin_add_overflow(total, strides, &total);
  NABLA_CHECK(!overflow, op, "the window arithmetic overflows int64 for input size ", in,
              ", kernel ", kernel, ", stride ", stride, ", padding ", pad, ", dilation ", dilation,
              "; use smaller values");
}

// kernel/stride/padding/dilation checks and the output size, as PyTorch's pool2d_shape_check.
kernels::Pool2dParams window_params(const PoolInput& in, Size2 kernel,
                                    const std::optional<Size2>& stride_opt, Size2 pad,
                                    Size2 dilation, bool ceil_mode, const char* op) {
  const Size2 stride = stride_opt.value_or(kernel);
  NABLA_CHECK(kernel.h > 0 && kernel.w > 0, op, "expected a kernel size > 0, got ",
              pair_str(kernel));
  NABLA_CHECK(stride.h > 0 && stride.w > 0, op, "expected a stride > 0, got ", pair_str(stride));
  NABLA_CHECK(dilation.h > 0 && dilation.w > 0, op, "expected a dilation > 0, got ",
              pair_str(dilation));
  NABLA_CHECK(pad.h >= 0 && pad.w >= 0, op, "expected a padding >= 0, got ", pair_str(pad));
  NABLA_CHECK(pad.h <= kernel.h / 2 && pad.w <= kernel.w / 2, op,
              "expected a padding of at most half the kernel size, got padding ", pair_str(pad),
              " for kernel ", pair_str(kernel), "; lower the padding or enlarge the kernel");
  check_window_fits(in.h, kernel.h, stride.h, pad.h, dilation.h, op);
  check_window_fits(in.w, kernel.w, stride.w, pad.w, dilation.w, op);
  checked_mul(kernel.h, kernel.w, op, "the window size");  // avg pooling divides by it
  kernels::Pool2dParams p;
  p.batch = in.batch, p.channels = in.channels, p.in_h = in.h, p.in_w = in.w;
  p.kernel_h = kernel.h, p.kernel_w = kernel.w, p.stride_h = stride.h, p.stride_w = stride.w;
  p.pad_h = pad.h, p.pad_w = pad.w, p.dilation_h = dilation.h, p.dilation_w = dilation.w;
  p.out_h = pool_output_size(in.h, kernel.h, stride.h, pad.h, dilation.h, ceil_mode);
  p.out_w = pool_output_size(in.w, kernel.w, stride.w, pad.w, dilation.w, ceil_mode);
  NABLA_CHECK(p.out_h >= 1 && p.out_w >= 1, op, "input (H, W) = ", pair_str(in.h, in.w),
              " is too small for kernel ", pair_str(kernel), ", stride ", pair_str(stride),
              ", padding ", pair_str(pad), ", dilation ", pair_str(dilation),
              ": the output would be ", pair_str(p.out_h, p.out_w),
              "; expected an output of at least (1, 1). Use a smaller "
              "kernel or dilation, or more padding");
  return p;
}

kernels::Pool2dParams max_params(const PoolInput& in, const MaxPool2dFuncOptions& opt,
                                 const char* op) {
  return window_params(in, opt.kernel, opt.stride, opt.padding, opt.dilation, opt.ceil_mode, op);
}

kernels::Pool2dParams avg_params(const PoolInput& in, const AvgPool2dFuncOptions& opt,
                                 const char* op) {
  kernels::Pool2dParams p =
      window_params(in, opt.kernel, opt.stride, opt.padding, Size2(1), opt.ceil_mode, op);
  NABLA_CHECK(!opt.divisor_override || *opt.divisor_override != 0, op,
              "expected a non-zero divisor_override, got 0");
  p.count_include_pad = opt.count_include_pad;
  p.divisor_override = opt.divisor_override.value_or(0);
  return p;
}

kernels::AdaptivePool2dParams adaptive_params(const PoolInput& in, Size2 out, const char* op) {
  NABLA_CHECK(out.h >= 1 && out.w >= 1, op, "expected an output size >= 1, got ", pair_str(out));
  // window bounds are (i + 1) * in / out for i < out
  checked_mul(out.h, checked_add(in.h, 1, op, "the input height"), op,
              "output height * input height");
  checked_mul(out.w, checked_add(in.w, 1, op, "the input width"), op, "output width * input width");
  kernels::AdaptivePool2dParams p;
  p.batch = in.batch, p.channels = in.channels, p.in_h = in.h, p.in_w = in.w;
  p.out_h = out.h, p.out_w = out.w;
  return p;
}

// A detached, contiguous tensor of dtype d: what the raw kernels read.
Tensor raw(const Tensor& t, DType d) {
  autograd::NoGradGuard ng;
  Tensor r = t.detach();
  if (r.dtype() != d) r = r.to(d);
  return r.is_contiguous() ? r : r.contiguous();
}

// Max pooling and adaptive max pooling share everything but the window rule.
template <class Params, class Forward, class Backward>
std::pair<Tensor, Tensor> max_like(const char* op, const Tensor& x, const PoolInput& in,
                                   const Params& p, bool want_indices, Forward forward,
                                   Backward backward) {
  const DType dt = x.dtype();
  const Shape out_shape = in.output_shape(p.out_h, p.out_w);
  const bool need_grad = autograd::any_requires_grad({&x});
  Tensor xc = raw(x, dt);
  Tensor y = Tensor::empty(out_shape, dt);
  Tensor idx = want_indices || need_grad ? Tensor::empty(out_shape, DType::Int64) : Tensor();
  int64_t* idx_ptr = idx.defined() ? idx.data<int64_t>() : nullptr;  // null: inference skips it
  NABLA_DISPATCH_FLOAT(dt, T, [&] { forward(p, xc.data<T>(), y.data<T>(), idx_ptr); });
  if (need_grad) {
    y = autograd::record(op, y, {x}, [p, idx, backward, in_shape = x.shape(), dt](const Tensor& g) {
      Tensor gc = raw(g, dt);
      Tensor gx = Tensor::empty(in_shape, dt);
      NABLA_DISPATCH_FLOAT(dt, T,
                           [&] { backward(p, gc.data<T>(), idx.data<int64_t>(), gx.data<T>()); });
      return std::vector<Tensor>{gx};
    });
  }
  return {y, idx};
}

struct MaxForward {
  template <class T>
  void operator()(const kernels::Pool2dParams& p, const T* x, T* y, int64_t* idx) const {
    kernels::cpu::max_pool2d_forward<T>(p, x, y, idx);
  }
  template <class T>
  void operator()(const kernels::AdaptivePool2dParams& p, const T* x, T* y, int64_t* idx) const {
    kernels::cpu::adaptive_max_pool2d_forward<T>(p, x, y, idx);
  }
};
struct MaxBackward {
  template <class T>
  void operator()(const kernels::Pool2dParams& p, const T* gy, const int64_t* idx, T* gx) const {
    kernels::cpu::max_pool2d_backward<T>(p, gy, idx, gx);
  }
  template <class T>
  void operator()(const kernels::AdaptivePool2dParams& p, const T* gy, const int64_t* idx,
                  T* gx) const {
    kernels::cpu::adaptive_max_pool2d_backward<T>(p, gy, idx, gx);
  }
};

// Average pooling and adaptive average pooling: y = window means, no saved tensors.
struct AvgForward {
  template <class T>
  void operator()(const kernels::Pool2dParams& p, const T* x, T* y) const {
    kernels::cpu::avg_pool2d_forward<T>(p, x, y);
  }
  template <class T>
  void operator()(const kernels::AdaptivePool2dParams& p, const T* x, T* y) const {
    kernels::cpu::adaptive_avg_pool2d_forward<T>(p, x, y);
  }
};
struct AvgBackward {
  template <class T>
  void operator()(const kernels::Pool2dParams& p, const T* gy, T* gx) const {
    kernels::cpu::avg_pool2d_backward<T>(p, gy, gx);
  }
  template <class T>
  void operator()(const kernels::AdaptivePool2dParams& p, const T* gy, T* gx) const {
    kernels::cpu::adaptive_avg_pool2d_backward<T>(p, gy, gx);
  }
};

template <class Params>
Tensor avg_like(const char* op, const Tensor& x, const PoolInput& in, const Params& p) {
  const DType dt = x.dtype();
  Tensor xc = raw(x, dt);
  Tensor y = Tensor::empty(in.output_shape(p.out_h, p.out_w), dt);
  NABLA_DISPATCH_FLOAT(dt, T, [&] { AvgForward{}(p, xc.data<T>(), y.data<T>()); });
  return autograd::record(op, y, {x}, [p, in_shape = x.shape(), dt](const Tensor& g) {
    Tensor gc = raw(g, dt);
    Tensor gx = Tensor::empty(in_shape, dt);
    NABLA_DISPATCH_FLOAT(dt, T, [&] { AvgBackward{}(p, gc.data<T>(), gx.data<T>()); });
    return std::vector<Tensor>{gx};
  });
}

std::pair<Tensor, Tensor> max_pool2d_impl(const Tensor& x, const MaxPool2dFuncOptions& opt,
                                          bool want_indices, const char* op) {
  const PoolInput in = check_input(x, op);
  return max_like(op, x, in, max_params(in, opt, op), want_indices, MaxForward{}, MaxBackward{});
}

Tensor avg_pool2d_impl(const Tensor& x, const AvgPool2dFuncOptions& opt, const char* op) {
  const PoolInput in = check_input(x, op);
  return avg_like(op, x, in, avg_params(in, opt, op));
}

std::pair<Tensor, Tensor> adaptive_max_impl(const Tensor& x, Size2 out, bool want_indices,
                                            const char* op) {
  const PoolInput in = check_input(x, op);
  return max_like(op, x, in, adaptive_params(in, out, op), want_indices, MaxForward{},
                  MaxBackward{});
}

Tensor adaptive_avg_impl(const Tensor& x, Size2 out, const char* op) {
  const PoolInput in = check_input(x, op);
  return avg_like(op, x, in, adaptive_params(in, out, op));
}

// 1-D pooling runs the 2-D kernels on (N,C,1,L): unsqueeze/squeeze carry the gradient.
void check_input_1d(const Tensor& x, const char* op) {
  NABLA_CHECK(x.defined(), op, "the input is an undefined tensor");
  NABLA_CHECK(x.dim() == 2 || x.dim() == 3, op,
              "expected a 3-D (N,C,L) or 2-D (C,L) input, got shape ", shape_str(x.shape()));
}

}  // namespace

Shape max_pool2d_output_shape(const Shape& input, const MaxPool2dFuncOptions& opt) {
  const PoolInput in = check_input_shape(input, "max_pool2d");
  const auto p = max_params(in, opt, "max_pool2d");
  return in.output_shape(p.out_h, p.out_w);
}

Shape avg_pool2d_output_shape(const Shape& input, const AvgPool2dFuncOptions& opt) {
  const PoolInput in = check_input_shape(input, "avg_pool2d");
  const auto p = avg_params(in, opt, "avg_pool2d");
  return in.output_shape(p.out_h, p.out_w);
}

Shape adaptive_pool2d_output_shape(const Shape& input, Size2 output_size) {
  const PoolInput in = check_input_shape(input, "adaptive_pool2d");
  const auto p = adaptive_params(in, output_size, "adaptive_pool2d");
  return in.output_shape(p.out_h, p.out_w);
}

Tensor max_pool2d(const Tensor& x, const MaxPool2dFuncOptions& opt) {
  return max_pool2d_impl(x, opt, false, "max_pool2d").first;
}

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x,
                                                  const MaxPool2dFuncOptions& opt) {
  return max_pool2d_impl(x, opt, true, "max_pool2d_with_indices");
}

Tensor avg_pool2d(const Tensor& x, const AvgPool2dFuncOptions& opt) {
  return avg_pool2d_impl(x, opt, "avg_pool2d");
}

Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size) {
  return adaptive_avg_impl(x, output_size, "adaptive_avg_pool2d");
}

Tensor adaptive_max_pool2d(const Tensor& x, Size2 output_size) {
  return adaptive_max_impl(x, output_size, false, "adaptive_max_pool2d").first;
}

std::pair<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& x, Size2 output_size) {
  return adaptive_max_impl(x, output_size, true, "adaptive_max_pool2d_with_indices");
}

Tensor global_avg_pool2d(const Tensor& x) { return adaptive_avg_impl(x, 1, "global_avg_pool2d"); }

Tensor global_max_pool2d(const Tensor& x) {
  return adaptive_max_impl(x, 1, false, "global_max_pool2d").first;
}

Tensor max_pool1d(const Tensor& x, const MaxPool1dFuncOptions& opt) {
  check_input_1d(x, "max_pool1d");
  MaxPool2dFuncOptions o2{.kernel = {1, opt.kernel},
                          .stride = Size2{1, opt.stride.value_or(opt.kernel)},
                          .padding = {0, opt.padding},
                          .dilation = {1, opt.dilation},
                          .ceil_mode = opt.ceil_mode};
  Tensor y = max_pool2d_impl(unsqueeze(x, x.dim() - 1), o2, false, "max_pool1d").first;
  return squeeze(y, y.dim() - 2);
}

Tensor avg_pool1d(const Tensor& x, const AvgPool1dFuncOptions& opt) {
  check_input_1d(x, "avg_pool1d");
  AvgPool2dFuncOptions o2{.kernel = {1, opt.kernel},
                          .stride = Size2{1, opt.stride.value_or(opt.kernel)},
                          .padding = {0, opt.padding},
                          .ceil_mode = opt.ceil_mode,
                          .count_include_pad = opt.count_include_pad};
  Tensor y = avg_pool2d_impl(unsqueeze(x, x.dim() - 1), o2, "avg_pool1d");
  return squeeze(y, y.dim() - 2);
}

}  // namespace nabla
