// Parameters shared by the reference and fast pooling kernels, and the output-size rules
// (PyTorch's, so shapes and values agree with torch.nn.functional).
//
// Layout for every pooling kernel: x: (N,C,H,W) contiguous, y: (N,C,OH,OW) contiguous.
// Max-pool indices are flat positions h*W+w inside each (H,W) plane, as PyTorch returns them.
#pragma once
#include <cstdint>

namespace nabla::kernels {

struct Pool2dParams {
  int64_t batch = 1, channels = 1;
  int64_t in_h = 1, in_w = 1;
  int64_t out_h = 1, out_w = 1;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_h = 0, pad_w = 0;
  int64_t dilation_h = 1, dilation_w = 1;  // max pooling only (avg pooling has none, as in PyTorch)
  bool count_include_pad = true;           // avg pooling only
  int64_t divisor_override = 0;            // avg pooling only; 0 = none

  int64_t planes() const { return batch * channels; }
};

// Adaptive pooling: output cell i along a dim of input size `in` and output size `out` covers
// [floor(i*in/out), ceil((i+1)*in/out)), so windows may overlap and always cover the input.
struct AdaptivePool2dParams {
  int64_t batch = 1, channels = 1;
  int64_t in_h = 1, in_w = 1;
  int64_t out_h = 1, out_w = 1;

  int64_t planes() const { return batch * channels; }
};

inline int64_t adaptive_pool_start(int64_t i, int64_t in, int64_t out) { return (i * in) / out; }
inline int64_t adaptive_pool_end(int64_t i, int64_t in, int64_t out) {
  return ((i + 1) * in + out - 1) / out;
}

// floor((in + 2p - d(k-1) - 1) / s) + 1, or with ceil instead of floor when ceil_mode; in ceil
// mode the last window must start inside the input or the left padding, else it is dropped
// (PyTorch's pooling_output_shape). May return <= 0: callers check and report.
inline int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                                int64_t dilation, bool ceil_mode) {
  const int64_t num = in + 2 * pad - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  // floor division that rounds toward -inf for negative numerators
  int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

}  // namespace nabla::kernels
