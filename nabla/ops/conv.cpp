// conv2d, conv1d and conv_transpose2d: checks, shape inference, and forward and backward
// together. The arithmetic is in nabla/kernels/cpu/conv.hpp (oracle: kernels/reference/conv.hpp).
#include "nabla/ops/conv.hpp"

#include "nabla/autograd/node.hpp"
#include "nabla/kernels/conv_params.hpp"
#include "nabla/kernels/cpu/conv.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla {

namespace kcpu = kernels::cpu;

namespace {

// A contiguous tensor with the same values and no graph (the kernels want dense NCHW).
Tensor dense(const Tensor& t) { return t.is_contiguous() ? t.detach() : t.clone_data(); }

void check_float_pair(const char* op, const Tensor& x, const Tensor& w, const Tensor& b) {
  NABLA_CHECK(x.defined(), op, "the input is an undefined tensor");
  NABLA_CHECK(w.defined(), op, "the weight is an undefined tensor");
  NABLA_CHECK(x.dtype() == DType::Float32 || x.dtype() == DType::Float64, op,
              "expected a float32 or float64 input, got ", dtype_name(x.dtype()));
  NABLA_CHECK(w.dtype() == x.dtype(), op, "expected the weight to have the input's dtype ",
              dtype_name(x.dtype()), ", got ", dtype_name(w.dtype()));
  if (b.defined())
    NABLA_CHECK(b.dtype() == x.dtype(), op, "expected the bias to have the input's dtype ",
                dtype_name(x.dtype()), ", got ", dtype_name(b.dtype()));
}

void check_hyper(const char* op, Size2 stride, Size2 dilation, int64_t groups) {
  NABLA_CHECK(stride.h >= 1 && stride.w >= 1, op, "expected stride >= 1, got (", stride.h, ", ",
              stride.w, ")");
  NABLA_CHECK(dilation.h >= 1 && dilation.w >= 1, op, "expected dilation >= 1, got (", dilation.h,
              ", ", dilation.w, ")");
  NABLA_CHECK(groups >= 1, op, "expected groups >= 1, got ", groups);
}

void check_bias(const char* op, const Tensor& b, int64_t k) {
  if (!b.defined()) return;
  NABLA_CHECK(b.dim() == 1 && b.size(0) == k, op, "expected a bias of shape (", k,
              ") (one per output channel), got ", shape_str(b.shape()));
}

// Input (N,C,H,W), weight (K, C/G, KH, KW): the kernel parameters, or a nabla::Error.
kernels::Conv2dParams conv2d_params(const char* op, const Shape& xs, const Shape& ws,
                                    const Conv2dFuncOptions& o) {
  check_hyper(op, o.stride, o.dilation, o.groups);
  NABLA_CHECK(ws.size() == 4, op,
              "expected a weight of shape (out_channels, in_channels/groups, KH, KW), got ",
              shape_str(ws));
  const Conv2dPadding pd =
      conv2d_explicit_padding(o.padding, {ws[2], ws[3]}, o.stride, o.dilation, op);
  NABLA_CHECK(pd.top >= 0 && pd.bottom >= 0 && pd.left >= 0 && pd.right >= 0, op,
              "expected padding >= 0, got (top ", pd.top, ", bottom ", pd.bottom, ", left ",
              pd.left, ", right ", pd.right, ")");
  NABLA_CHECK(xs.size() == 4, op, "expected an input of shape (N, C, H, W) or (C, H, W), got ",
              shape_str(xs));
  kernels::Conv2dParams p;
  p.n = xs[0];
  p.c = xs[1];
  p.h = xs[2];
  p.w = xs[3];
  p.k = ws[0];
  p.kh = ws[2];
  p.kw = ws[3];
  p.stride_h = o.stride.h;
  p.stride_w = o.stride.w;
  p.pad_top = pd.top;
  p.pad_bottom = pd.bottom;
  p.pad_left = pd.left;
  p.pad_right = pd.right;
  p.dilation_h = o.dilation.h;
  p.dilation_w = o.dilation.w;
  p.groups = o.groups;
  NABLA_CHECK(p.k >= 1 && ws[1] >= 1 && p.kh >= 1 && p.kw >= 1, op,
              "expected a non-empty weight, got ", shape_str(ws));
  NABLA_CHECK(p.c % p.groups == 0, op, "input channels (", p.c, ") must be divisible by groups (",
              p.groups, "); input shape ", shape_str(xs));
  NABLA_CHECK(p.k % p.groups == 0, op, "out_channels (weight dim 0 = ", p.k,
              ") must be divisible by groups (", p.groups, "); weight shape ", shape_str(ws));
  NABLA_CHECK(ws[1] * p.groups == p.c, op, "channel mismatch: the weight ", shape_str(ws),
              " with groups=", p.groups, " expects ", ws[1] * p.groups,
              " input channels, but the input ", shape_str(xs), " has ", p.c);
  // finalize's checked arithmetic first: an absurd dilation or padding (from a config) is an
  // overflow error, not a wrapped reach that passes the check below
  p.finalize();
  const int64_t reach_h = checked_add(p.dilation_h * (p.kh - 1), 1, op, "kernel reach"),
                reach_w = checked_add(p.dilation_w * (p.kw - 1), 1, op, "kernel reach");
  NABLA_CHECK(
      reach_h <= p.h + p.pad_top + p.pad_bottom && reach_w <= p.w + p.pad_left + p.pad_right, op,
      "the kernel (", p.kh, "x", p.kw, ", dilation (", p.dilation_h, ", ", p.dilation_w,
      "), reach ", reach_h, "x", reach_w, ") is larger than the padded input (",
      p.h + p.pad_top + p.pad_bottom, "x", p.w + p.pad_left + p.pad_right, " from input ",
      shape_str(xs), "); use more padding or a smaller kernel");
  return p;
}

// Input (N,C,H,W), weight (C, K/G, KH, KW).
kernels::ConvTranspose2dParams conv_transpose2d_params(const Shape& xs, const Shape& ws,
                                                       const ConvTranspose2dFuncOptions& o) {
  const char* op = "conv_transpose2d";
  check_hyper(op, o.stride, o.dilation, o.groups);
  NABLA_CHECK(o.padding.h >= 0 && o.padding.w >= 0, op, "expected padding >= 0, got (", o.padding.h,
              ", ", o.padding.w, ")");
  NABLA_CHECK(xs.size() == 4, op, "expected an input of shape (N, C, H, W) or (C, H, W), got ",
              shape_str(xs));
  NABLA_CHECK(ws.size() == 4, op,
              "expected a weight of shape (in_channels, out_channels/groups, KH, KW), got ",
              shape_str(ws));
  const Size2 op_ = o.output_padding;
  NABLA_CHECK(op_.h >= 0 && op_.w >= 0 && (op_.h < o.stride.h || op_.h < o.dilation.h) &&
                  (op_.w < o.stride.w || op_.w < o.dilation.w),
              op, "output_padding (", op_.h, ", ", op_.w,
              ") must be >= 0 and smaller than either stride (", o.stride.h, ", ", o.stride.w,
              ") or dilation (", o.dilation.h, ", ", o.dilation.w, ")");
  kernels::ConvTranspose2dParams p;
  p.n = xs[0];
  p.c = xs[1];
  p.h = xs[2];
  p.w = xs[3];
  p.k = ws[1] * o.groups;
  p.kh = ws[2];
  p.kw = ws[3];
  p.stride_h = o.stride.h;
  p.stride_w = o.stride.w;
  p.pad_top = p.pad_bottom = o.padding.h;
  p.pad_left = p.pad_right = o.padding.w;
  p.output_padding_h = op_.h;
  p.output_padding_w = op_.w;
  p.dilation_h = o.dilation.h;
  p.dilation_w = o.dilation.w;
  p.groups = o.groups;
  NABLA_CHECK(ws[0] >= 1 && ws[1] >= 1 && p.kh >= 1 && p.kw >= 1, op,
              "expected a non-empty weight, got ", shape_str(ws));
  NABLA_CHECK(p.c % p.groups == 0, op, "input channels (", p.c, ") must be divisible by groups (",
              p.groups, "); input shape ", shape_str(xs));
  NABLA_CHECK(ws[0] == p.c, op, "channel mismatch: the weight ", shape_str(ws), " expects ", ws[0],
              " input channels (weight dim 0), but the input ", shape_str(xs), " has ", p.c);
  p.finalize();
  NABLA_CHECK(p.oh >= 1 && p.ow >= 1, op, "the output would be ", p.oh, "x", p.ow, " for input ",
              shape_str(xs), " and weight ", shape_str(ws), "; padding (", o.padding.h, ", ",
              o.padding.w, ") is too large");
  return p;
}

// Runs fn(x4) on a batch, adding and removing the batch dimension for one image.
template <class F>
Tensor with_batch(const Tensor& x, int64_t image_rank, F&& fn) {
  if (x.dim() != image_rank) return fn(x);
  return squeeze(fn(unsqueeze(x, 0)), 0);
}

Tensor conv2d_impl(const char* op, const Tensor& x, const Tensor& w, const Tensor& b,
                   const Conv2dFuncOptions& o) {
  const kernels::Conv2dParams p = conv2d_params(op, x.shape(), w.shape(), o);
  check_bias(op, b, p.k);
  const Tensor xc = dense(x), wc = dense(w), bc = b.defined() ? dense(b) : Tensor();
  Tensor y = Tensor::empty({p.n, p.k, p.oh, p.ow}, x.dtype());
  NABLA_DISPATCH_FLOAT(x.dtype(), T, [&] {
    kcpu::conv2d_forward<T>(p, xc.data<T>(), wc.data<T>(), bc.defined() ? bc.data<T>() : nullptr,
                            y.data<T>());
  });
  const bool need_x = x.requires_grad(), need_w = w.requires_grad();
  const bool has_b = b.defined(), need_b = has_b && b.requires_grad();
  std::vector<Tensor> inputs{x, w};
  if (has_b) inputs.push_back(b);
  // keep only what the backward reads: x for dW, w for dX
  const Tensor x_keep = need_w ? xc : Tensor(), w_keep = need_x ? wc : Tensor();
  return autograd::record(
      op, y, inputs,
      [p, x_keep, w_keep, need_x, need_w, need_b, has_b, dtype = x.dtype()](const Tensor& g) {
        const Tensor gc = dense(g);
        Tensor gx, gw, gb;
        NABLA_DISPATCH_FLOAT(dtype, T, [&] {
          if (need_x) {
            gx = Tensor::empty({p.n, p.c, p.h, p.w}, dtype);
            kcpu::conv2d_backward_input<T>(p, gc.data<T>(), w_keep.data<T>(), gx.data<T>());
          }
          if (need_w) gw = Tensor::empty({p.k, p.c_per_group(), p.kh, p.kw}, dtype);
          if (need_b) gb = Tensor::empty({p.k}, dtype);
          if (need_w && need_b) {
            kcpu::conv2d_backward_weight_bias<T>(p, x_keep.data<T>(), gc.data<T>(), gw.data<T>(),
                                                 gb.data<T>());
          } else if (need_w) {
            kcpu::conv2d_backward_weight<T>(p, x_keep.data<T>(), gc.data<T>(), gw.data<T>());
          } else if (need_b) {
            kcpu::conv2d_backward_bias<T>(p, gc.data<T>(), gb.data<T>());
          }
        });
        std::vector<Tensor> grads{gx, gw};
        if (has_b) grads.push_back(gb);
        return grads;
      });
}

}  // namespace

Conv2dPadding conv2d_explicit_padding(const Conv2dPadding& padding, Size2 kernel, Size2 stride,
                                      Size2 dilation, const char* op) {
  if (!padding.same) return padding;
  NABLA_CHECK(stride.h == 1 && stride.w == 1, op,
              "padding \"same\" needs stride 1 (as in PyTorch), got stride (", stride.h, ", ",
              stride.w, "); give the padding as numbers for a strided convolution");
  const int64_t total_h = dilation.h * (kernel.h - 1), total_w = dilation.w * (kernel.w - 1);
  return {total_h / 2, total_h - total_h / 2, total_w / 2, total_w - total_w / 2};
}

int64_t conv2d_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding,
                           int64_t dilation) {
  return conv2d_output_size(in, kernel, stride, padding, padding, dilation);
}

int64_t conv2d_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad_before,
                           int64_t pad_after, int64_t dilation) {
  NABLA_CHECK(stride >= 1, "conv2d_output_size", "expected stride >= 1, got ", stride);
  return kernels::conv_output_size(in, kernel, stride, pad_before, pad_after, dilation);
}

int64_t conv_transpose2d_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding,
                                     int64_t dilation, int64_t output_padding) {
  return kernels::conv_transpose_output_size(in, kernel, stride, padding, padding, dilation,
                                             output_padding);
}

Shape conv2d_output_shape(const Shape& x, const Shape& weight, const Conv2dFuncOptions& options) {
  if (x.size() == 3) {
    Shape s = conv2d_output_shape({1, x[0], x[1], x[2]}, weight, options);
    return {s[1], s[2], s[3]};
  }
  const auto p = conv2d_params("conv2d", x, weight, options);
  return {p.n, p.k, p.oh, p.ow};
}

Shape conv_transpose2d_output_shape(const Shape& x, const Shape& weight,
                                    const ConvTranspose2dFuncOptions& options) {
  if (x.size() == 3) {
    Shape s = conv_transpose2d_output_shape({1, x[0], x[1], x[2]}, weight, options);
    return {s[1], s[2], s[3]};
  }
  const auto p = conv_transpose2d_params(x, weight, options);
  return {p.n, p.k, p.oh, p.ow};
}

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
              const Conv2dFuncOptions& options) {
  check_float_pair("conv2d", x, weight, bias);
  return with_batch(
      x, 3, [&](const Tensor& x4) { return conv2d_impl("conv2d", x4, weight, bias, options); });
}

Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias,
              const Conv1dFuncOptions& options) {
  const char* op = "conv1d";
  check_float_pair(op, x, weight, bias);
  NABLA_CHECK(x.dim() == 3 || x.dim() == 2, op,
              "expected an input of shape (N, C, L) or (C, L), got ", shape_str(x.shape()));
  NABLA_CHECK(weight.dim() == 3, op,
              "expected a weight of shape (out_channels, in_channels/groups, KL), got ",
              shape_str(weight.shape()));
  NABLA_CHECK(options.padding >= 0, op, "expected padding >= 0, got ", options.padding);
  const int64_t c = x.size(-2), l = x.size(-1);
  if (options.groups >= 1)
    NABLA_CHECK(weight.size(1) * options.groups == c, op, "channel mismatch: the weight ",
                shape_str(weight.shape()), " with groups=", options.groups, " expects ",
                weight.size(1) * options.groups, " input channels, but the input ",
                shape_str(x.shape()), " has ", c);
  const int64_t reach = options.dilation * (weight.size(2) - 1) + 1;
  NABLA_CHECK(reach <= l + 2 * options.padding, op, "the kernel (size ", weight.size(2),
              ", dilation ", options.dilation, ", reach ", reach,
              ") is larger than the padded input (length ", l + 2 * options.padding, " from input ",
              shape_str(x.shape()), ")");
  // (N,C,L) is (N,C,1,L) with a (1,KL) kernel: the 2-D op with a flat height
  Conv2dFuncOptions o2;
  o2.stride = {1, options.stride};
  o2.padding = {0, options.padding};
  o2.dilation = {1, options.dilation};
  o2.groups = options.groups;
  return with_batch(x, 2, [&](const Tensor& x3) {
    Tensor y = conv2d_impl(op, unsqueeze(x3, 2), unsqueeze(weight, 2), bias, o2);
    return squeeze(y, 2);
  });
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const ConvTranspose2dFuncOptions& options) {
  const char* op = "conv_transpose2d";
  check_float_pair(op, x, weight, bias);
  return with_batch(x, 3, [&](const Tensor& x4) {
    const kernels::ConvTranspose2dParams p =
        conv_transpose2d_params(x4.shape(), weight.shape(), options);
    check_bias(op, bias, p.k);
    const Tensor xc = dense(x4), wc = dense(weight), bc = bias.defined() ? dense(bias) : Tensor();
    Tensor y = Tensor::empty({p.n, p.k, p.oh, p.ow}, x4.dtype());
    NABLA_DISPATCH_FLOAT(x4.dtype(), T, [&] {
      kcpu::conv_transpose2d_forward<T>(p, xc.data<T>(), wc.data<T>(),
                                        bc.defined() ? bc.data<T>() : nullptr, y.data<T>());
    });
    const bool need_x = x4.requires_grad(), need_w = weight.requires_grad();
    const bool has_b = bias.defined(), need_b = has_b && bias.requires_grad();
    std::vector<Tensor> inputs{x4, weight};
    if (has_b) inputs.push_back(bias);
    const Tensor x_keep = need_w ? xc : Tensor(), w_keep = need_x ? wc : Tensor();
    return autograd::record(
        op, y, inputs,
        [p, x_keep, w_keep, need_x, need_w, need_b, has_b, dtype = x4.dtype()](const Tensor& g) {
          const Tensor gc = dense(g);
          Tensor gx, gw, gb;
          NABLA_DISPATCH_FLOAT(dtype, T, [&] {
            if (need_x) {
              gx = Tensor::empty({p.n, p.c, p.h, p.w}, dtype);
              kcpu::conv_transpose2d_backward_input<T>(p, gc.data<T>(), w_keep.data<T>(),
                                                       gx.data<T>());
            }
            if (need_w) {
              gw = Tensor::empty({p.c, p.k_per_group(), p.kh, p.kw}, dtype);
              kcpu::conv_transpose2d_backward_weight<T>(p, x_keep.data<T>(), gc.data<T>(),
                                                        gw.data<T>());
            }
            if (need_b) {
              gb = Tensor::empty({p.k}, dtype);
              kcpu::conv_transpose2d_backward_bias<T>(p, gc.data<T>(), gb.data<T>());
            }
          });
          std::vector<Tensor> grads{gx, gw};
          if (has_b) grads.push_back(gb);
          return grads;
        });
  });
}

}  // namespace nabla
