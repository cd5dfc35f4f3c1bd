#include "nabla/onnx/conv_depth.hpp"

#include "nabla/core/error.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

// (N, C, D, H, W) -> (N*D, C, H, W): each depth slice becomes an image of the batch.
Tensor fold_depth(const Tensor& x) {
  return contiguous(permute(x, {0, 2, 1, 3, 4})).reshape({-1, x.size(1), x.size(3), x.size(4)});
}

// (N*D, C, H, W) -> (N, C, D, H, W).
Tensor unfold_depth(const Tensor& y, int64_t n) {
  return permute(y.reshape({n, -1, y.size(1), y.size(2), y.size(3)}), {0, 2, 1, 3, 4});
}

}  // namespace

Tensor conv3d_by_depth(const Tensor& x, const Tensor& w, const Tensor& bias,
                       const VolumeWindow& o) {
  NABLA_CHECK(x.dim() == 5 && w.dim() == 5, "conv3d", "input and weight must be rank 5");
  // depth padding explicitly (pad()'s order: last axis first); H and W go to conv2d
  const Tensor xp = pad(x, {0, 0, 0, 0, o.pad_begin[0], o.pad_end[0]});
  const int64_t kd = w.size(2), s = o.stride[0], dil = o.dilation[0];
  NABLA_CHECK(xp.size(2) - dil * (kd - 1) - 1 >= 0, "conv3d", "the kernel's depth ", kd,
              " (dilated) is larger than the padded input's ", xp.size(2));
  const int64_t out_d = (xp.size(2) - dil * (kd - 1) - 1) / s + 1;
  Conv2dFuncOptions c;
  c.stride = {o.stride[1], o.stride[2]};
  c.dilation = {o.dilation[1], o.dilation[2]};
  c.padding = {o.pad_begin[1], o.pad_end[1], o.pad_begin[2], o.pad_end[2]};
  c.groups = o.groups;
  Tensor sum;
  for (int64_t k = 0; k < kd; ++k) {
    // output depth od reads input depth od*s + k*dil
    const Tensor xs = slice(xp, 2, k * dil, k * dil + (out_d - 1) * s + 1, s);
    const Tensor y = conv2d(fold_depth(xs), select(w, 2, k), Tensor(), c);
    sum = k == 0 ? y : sum + y;
  }
  Tensor y = unfold_depth(sum, x.size(0));
  if (bias.defined()) y = y + bias.reshape({1, -1, 1, 1, 1});
  return y;
}

Tensor conv_transpose3d_full(const Tensor& x, const Tensor& w, const VolumeWindow& o) {
  NABLA_CHECK(x.dim() == 5 && w.dim() == 5, "conv_transpose3d", "input and weight must be rank 5");
  const int64_t n = x.size(0), d = x.size(2), kd = w.size(2), s = o.stride[0], dil = o.dilation[0];
  const int64_t spread = (d - 1) * s + 1, full = spread + (kd - 1) * dil;
  ConvTranspose2dFuncOptions c;
  c.stride = {o.stride[1], o.stride[2]};
  c.dilation = {o.dilation[1], o.dilation[2]};
  c.groups = o.groups;
  const Tensor xf = fold_depth(x);
  Tensor sum;
  for (int64_t k = 0; k < kd; ++k) {
    Tensor y = unfold_depth(conv_transpose2d(xf, select(w, 2, k), Tensor(), c), n);
    if (s > 1) {  // input depth id lands on id*s: s-1 zero slices after each one
      const Shape& sh = y.shape();
      const Tensor gap = Tensor::zeros({sh[0], sh[1], d, s - 1, sh[3] * sh[4]}, y.dtype());
      y = cat({y.reshape({sh[0], sh[1], d, 1, sh[3] * sh[4]}), gap}, 3)
              .reshape({sh[0], sh[1], d * s, sh[3], sh[4]});
      y = slice(y, 2, 0, spread);
    }
    // kernel depth k shifts everything by k*dil
    y = pad(y, {0, 0, 0, 0, k * dil, full - spread - k * dil});
    sum = k == 0 ? y : sum + y;
  }
  return sum;
}

}  // namespace nabla::onnx
