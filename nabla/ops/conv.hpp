// Differentiable convolutions over NCHW tensors (notes section 1 "Convolution" and section 9
// "deconvolution"): conv2d, conv1d (a thin case of conv2d) and conv_transpose2d, with stride,
// padding (symmetric or asymmetric), dilation and groups (depthwise included), float32 and
// float64. Shapes and values follow torch.nn.functional:
//   conv2d:            x (N,C,H,W)  w (K, C/G, KH, KW)  b (K)  ->  (N,K,OH,OW)
//                      OH = (H + P_top + P_bottom - D(KH-1) - 1) / S + 1   (2P when symmetric)
//   conv1d:            x (N,C,L)    w (K, C/G, KL)      b (K)  ->  (N,K,OL)
//   conv_transpose2d:  x (N,C,H,W)  w (C, K/G, KH, KW)  b (K)  ->  (N,K,OH,OW)
//                      OH = (H - 1) S - 2P + D(KH-1) + output_padding + 1
// One image without the batch dimension ((C,H,W), or (C,L) for conv1d) is accepted too and gives
// the same rank back. The bias is optional: pass an undefined Tensor() for none.
// Bad shapes throw nabla::Error naming the op, what was expected and what was given.
#pragma once
#include <cstdint>

#include "nabla/core/tensor.hpp"
#include "nabla/ops/size2.hpp"

namespace nabla {

// PyTorch's padding="same": `.padding = kPaddingSame`. The output keeps the input's size (stride 1
// only); the total padding D(K-1) per axis is split as PyTorch splits it, the odd row/column going
// to the bottom/right.
struct PaddingSame {};
inline constexpr PaddingSame kPaddingSame{};

// Zero padding: `.padding = 2` (all sides), `{ph, pw}` (symmetric per axis, PyTorch's tuple),
// `{top, bottom, left, right}` (asymmetric, what PyTorch needs F.pad for) or kPaddingSame.
struct Conv2dPadding {
  int64_t top = 0, bottom = 0, left = 0, right = 0;
  bool same = false;  // the four numbers are resolved from the kernel size by the op
  constexpr Conv2dPadding() = default;
  constexpr Conv2dPadding(PaddingSame) : same(true) {}  // NOLINT: implicit on purpose
  constexpr Conv2dPadding(int64_t all) : top(all), bottom(all), left(all), right(all) {}  // NOLINT
  constexpr Conv2dPadding(int64_t ph, int64_t pw) : top(ph), bottom(ph), left(pw), right(pw) {}
  constexpr Conv2dPadding(int64_t t, int64_t b, int64_t l, int64_t r)
      : top(t), bottom(b), left(l), right(r) {}
  constexpr Conv2dPadding(Size2 s) : top(s.h), bottom(s.h), left(s.w), right(s.w) {}  // NOLINT
  friend bool operator==(const Conv2dPadding&, const Conv2dPadding&) = default;
};

// The functional ops' arguments. Named *FuncOptions, as PyTorch's C++ API names them, because the
// layers in nabla/nn/ have their own *Options (these plus what only a module holds: bias,
// padding_mode); a layer validates its options once, at construction, and passes these on.
struct Conv2dFuncOptions {
  Size2 stride = 1;
  Conv2dPadding padding = 0;
  Size2 dilation = 1;
  int64_t groups = 1;
};

struct Conv1dFuncOptions {
  int64_t stride = 1;
  int64_t padding = 0;  // both ends
  int64_t dilation = 1;
  int64_t groups = 1;
};

struct ConvTranspose2dFuncOptions {
  Size2 stride = 1;
  Size2 padding = 0;         // removed from both sides of the output
  Size2 output_padding = 0;  // extra rows/cols at the bottom/right; < stride or < dilation
  Size2 dilation = 1;
  int64_t groups = 1;
};

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              const Conv2dFuncOptions& options = {});
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
              const Conv1dFuncOptions& options = {});
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor(),
                        const ConvTranspose2dFuncOptions& options = {});

// The notes' formula for one axis: (in + 2P - D(K-1) - 1) / S + 1, or with the two pads given
// separately. Returns <= 0 when the kernel does not fit (conv2d rejects that).
// The explicit padding for `padding` with this kernel: kPaddingSame becomes the split described
// above (a nabla::Error naming `op` for stride > 1, as PyTorch); explicit paddings come back as
// they are.
Conv2dPadding conv2d_explicit_padding(const Conv2dPadding& padding, Size2 kernel, Size2 stride,
                                      Size2 dilation, const char* op = "conv2d");

int64_t conv2d_output_size(int64_t in, int64_t kernel, int64_t stride = 1, int64_t padding = 0,
                           int64_t dilation = 1);
int64_t conv2d_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad_before,
                           int64_t pad_after, int64_t dilation);
// (H - 1) S - 2P + D(K-1) + output_padding + 1
int64_t conv_transpose2d_output_size(int64_t in, int64_t kernel, int64_t stride = 1,
                                     int64_t padding = 0, int64_t dilation = 1,
                                     int64_t output_padding = 0);
// Output shape of conv2d / conv_transpose2d for these input and weight shapes, with the same
// checks (and errors) as the ops themselves.
Shape conv2d_output_shape(const Shape& x, const Shape& weight,
                          const Conv2dFuncOptions& options = {});
Shape conv_transpose2d_output_shape(const Shape& x, const Shape& weight,
                                    const ConvTranspose2dFuncOptions& options = {});

}  // namespace nabla
