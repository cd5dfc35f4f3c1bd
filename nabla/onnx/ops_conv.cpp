// Conv, ConvTranspose, MaxPool and AveragePool over 1-D and 2-D images (N,C,L) / (N,C,H,W), and
// over 3-D volumes (N,C,D,H,W): the pools as two separable 2-D passes, the convolutions as sums of
// 2-D ones over the kernel's depth (conv_depth.hpp); a 1-D input runs as a height-1 image. ONNX
// pads may be asymmetric and (for pools) larger than nabla's pooling accepts, so pools pad
// explicitly first and then pool without padding.
#include <cmath>
#include <limits>

#include "nabla/onnx/conv_depth.hpp"
#include "nabla/onnx/ops.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

// Per spatial axis (1 or 2 of them): the window and where the input is padded.
struct Window {
  std::vector<int64_t> kernel, strides, dilations, begin, end;
};

int64_t spatial_rank(const OpContext& c, const Tensor& x) {
  if (!is_floating(x.dtype())) c.unsupported("an integer input");
  if (x.dim() != 3 && x.dim() != 4)
    c.unsupported("a rank-" + std::to_string(x.dim()) + " input (nabla runs 1-D and 2-D images)");
  return x.dim() - 2;
}

std::vector<int64_t> attr_n(const OpContext& c, const char* name, int64_t n, int64_t fallback) {
  auto v = c.attr_ints(name, std::vector<int64_t>(n, fallback));
  if (static_cast<int64_t>(v.size()) != n)
    c.fail(std::string(name) + " has " + std::to_string(v.size()) + " values, expected " +
           std::to_string(n));
  for (int64_t s : v)
    if (s <= 0 && std::string(name) != "pads" && std::string(name) != "output_padding")
      c.fail(std::string(name) + " must be positive");
  return v;
}

// auto_pad SAME_UPPER/SAME_LOWER: output ceil(in / stride), the odd pad at the end (UPPER) or
// the beginning (LOWER); VALID: none; NOTSET: the pads attribute.
Window resolve_window(const OpContext& c, const Tensor& x, std::vector<int64_t> kernel) {
  const int64_t n = x.dim() - 2;
  Window w{std::move(kernel), attr_n(c, "strides", n, 1), attr_n(c, "dilations", n, 1), {}, {}};
  const std::string auto_pad = c.attr_string("auto_pad", "NOTSET");
  const auto pads = attr_n(c, "pads", 2 * n, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t b = pads[i], e = pads[i + n];
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t in = x.size(i + 2), out = (in + w.strides[i] - 1) / w.strides[i];
      const int64_t total = std::max<int64_t>(
          0, (out - 1) * w.strides[i] + (w.kernel[i] - 1) * w.dilations[i] + 1 - in);
      b = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      e = total - b;
    } else if (auto_pad == "VALID") {
      b = e = 0;
    } else if (auto_pad != "NOTSET") {
      c.fail("auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got " + auto_pad);
    }
    if (b < 0 || e < 0) c.fail("pads must be >= 0");
    w.begin.push_back(b);
    w.end.push_back(e);
  }
  return w;
}

// (N,C,L) -> (N,C,1,L) and a window of two axes; 2-D inputs pass through.
Tensor as_2d(const Tensor& x, Window& w) {
  if (x.dim() == 4) return x;
  for (auto* v : {&w.kernel, &w.strides, &w.dilations}) v->insert(v->begin(), 1);
  w.begin.insert(w.begin.begin(), 0);
  w.end.insert(w.end.begin(), 0);
  return unsqueeze(x, 2);
}

Tensor from_2d(const Tensor& y, int64_t rank) { return rank == 3 ? squeeze(y, 2) : y; }

std::vector<int64_t> kernel_from(const OpContext& c, const Tensor& x, const Tensor* weight) {
  const int64_t n = x.dim() - 2;
  if (c.has("kernel_shape")) return attr_n(c, "kernel_shape", n, 1);
  if (weight == nullptr) c.fail("kernel_shape is required");
  return {weight->shape().begin() + 2, weight->shape().end()};
}

VolumeWindow volume_window(const Window& w, int64_t groups) {
  VolumeWindow v;
  for (size_t i = 0; i < 3; ++i) {
    v.stride[i] = w.strides[i];
    v.dilation[i] = w.dilations[i];
    v.pad_begin[i] = w.begin[i];
    v.pad_end[i] = w.end[i];
  }
  v.groups = groups;
  return v;
}

bool is_volume(const OpContext& c, const Tensor& x, const Tensor& w) {
  if (x.dim() != 5 || !is_floating(x.dtype())) return false;
  if (w.dim() != 5) c.fail("weight rank must match the input's");
  return true;
}

std::vector<Tensor> conv(const OpContext& c) {
  const Tensor& x0 = c.input(0);
  const Tensor& w0 = c.input(1);
  if (is_volume(c, x0, w0)) {
    const Window win = resolve_window(c, x0, kernel_from(c, x0, &w0));
    const Tensor b = c.has_input(2) ? c.input(2) : Tensor();
    return {conv3d_by_depth(x0, w0, b, volume_window(win, c.attr_int("group", 1)))};
  }
  const int64_t rank = spatial_rank(c, x0) + 2;
  if (w0.dim() != rank) c.fail("weight rank must match the input's");
  Window win = resolve_window(c, x0, kernel_from(c, x0, &w0));
  const Tensor x = as_2d(x0, win);
  const Tensor w = rank == 3 ? unsqueeze(w0, 2) : w0;
  Conv2dFuncOptions o;
  o.stride = {win.strides[0], win.strides[1]};
  o.dilation = {win.dilations[0], win.dilations[1]};
  o.padding = {win.begin[0], win.end[0], win.begin[1], win.end[1]};
  o.groups = c.attr_int("group", 1);
  const Tensor b = c.has_input(2) ? c.input(2) : Tensor();
  return {from_2d(conv2d(x, w, b, o), rank)};
}

// Keeps [begin, size - end) of `dim`; a negative begin/end adds that many zeros instead.
Tensor crop(const Tensor& y, int64_t dim, int64_t begin, int64_t end) {
  Tensor t = y;
  if (begin < 0 || end < 0) {
    std::vector<int64_t> p(2 * (t.dim() - dim), 0);  // pad()'s order: last dim first
    const int64_t at = 2 * (t.dim() - 1 - dim);
    p[at] = std::max<int64_t>(0, -begin);
    p[at + 1] = std::max<int64_t>(0, -end);
    t = pad(t, p, PadMode::Constant, 0);
  }
  const int64_t b = std::max<int64_t>(0, begin);
  return slice(t, dim, b, t.size(dim) - std::max<int64_t>(0, end));
}

// The full transposed convolution of a 1-D or 2-D input, as (N, C, H, W).
Tensor conv_transpose_2d_full(const OpContext& c, const Tensor& x0, Window win) {
  ConvTranspose2dFuncOptions o;
  o.groups = c.attr_int("group", 1);
  const Tensor x = as_2d(x0, win);
  const Tensor w = x0.dim() == 3 ? unsqueeze(c.input(1), 2) : c.input(1);
  o.stride = {win.strides[0], win.strides[1]};
  o.dilation = {win.dilations[0], win.dilations[1]};
  return conv_transpose2d(x, w, Tensor(), o);
}

// The full transposed convolution, then ONNX's pads / output_padding / output_shape as a crop.
std::vector<Tensor> conv_transpose(const OpContext& c) {
  const Tensor& x0 = c.input(0);
  const bool volume = is_volume(c, x0, c.input(1));
  const int64_t rank = volume ? 5 : spatial_rank(c, x0) + 2, n = rank - 2;
  Window win = resolve_window(c, x0, kernel_from(c, x0, &c.input(1)));
  const std::string auto_pad = c.attr_string("auto_pad", "NOTSET");
  const auto out_pad = attr_n(c, "output_padding", n, 0);
  const auto out_shape = c.attr_ints("output_shape");
  Tensor y = volume
                 ? conv_transpose3d_full(x0, c.input(1), volume_window(win, c.attr_int("group", 1)))
                 : conv_transpose_2d_full(c, x0, win);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t d = i + 2 + (rank == 3 ? 1 : 0), in = x0.size(i + 2);
    const int64_t full = (in - 1) * win.strides[i] + (win.kernel[i] - 1) * win.dilations[i] + 1;
    int64_t b = win.begin[i], e = win.end[i] - out_pad[i];
    const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
    if (!out_shape.empty() || same) {
      const int64_t want =
          out_shape.empty() ? in * win.strides[i] : out_shape[out_shape.size() - n + i];
      const int64_t total = full + out_pad[i] - want;
      // floor division, as ONNX's reference: a negative total (a larger output) pads at the end
      const int64_t half = total >= 0 ? total / 2 : -((1 - total) / 2);
      b = auto_pad == "SAME_UPPER" ? half : total - half;
      e = total - b - out_pad[i];
    }
    y = crop(y, d, b, e);
  }
  if (c.has_input(2)) {
    Shape per_channel(y.dim(), 1);
    per_channel[1] = -1;
    y = y + c.input(2).reshape(per_channel);
  }
  return {from_2d(y, rank)};
}

}  // namespace

namespace {

// Pads the two spatial axes explicitly (pad()'s order: W then H).
Tensor pad_2d(const Tensor& x, const Window& w, double value) {
  if (w.begin == std::vector<int64_t>{0, 0} && w.end == std::vector<int64_t>{0, 0}) return x;
  return pad(x, {w.begin[1], w.end[1], w.begin[0], w.end[0]}, PadMode::Constant, value);
}

// nabla's argmax is h*W+w in the padded plane; ONNX's is over the whole unpadded NCHW tensor,
// row-major (storage_order 0) or column-major inside each plane (storage_order 1).
Tensor onnx_indices(const Tensor& idx, const Shape& in, const Window& w, int64_t padded_w,
                    bool col_major) {
  const int64_t H = in[2], W = in[3];
  auto v = idx.contiguous().to_vector<int64_t>();
  const int64_t per_plane = idx.size(2) * idx.size(3);
  for (size_t i = 0; i < v.size(); ++i) {
    const int64_t h = v[i] / padded_w - w.begin[0], x = v[i] % padded_w - w.begin[1];
    const int64_t plane = static_cast<int64_t>(i) / per_plane;
    v[i] = plane * H * W + (col_major ? x * H + h : h * W + x);
  }
  return Tensor::from_vector(v, idx.shape());
}

Tensor pool_3d(const OpContext& c, const Tensor& x, bool is_max);

std::vector<Tensor> max_pool(const OpContext& c) {
  const bool ints = !is_floating(c.input(0).dtype());
  // integer images (uint8/int8) are pooled in float64: the max of exact values is exact
  const Tensor x0 = ints ? to_dtype(c.input(0), DType::Float64) : c.input(0);
  const bool want_idx = c.node().output_size() > 1 && !c.node().output(1).empty();
  if (x0.dim() == 5 && !want_idx) {
    const Tensor y = pool_3d(c, x0, true);
    return {ints ? to_dtype(y, c.input(0).dtype()) : y};
  }
  const int64_t rank = spatial_rank(c, x0) + 2;
  const int64_t order = c.attr_int("storage_order", 0);
  if (order != 0 && order != 1) c.fail("storage_order must be 0 or 1");
  Window w = resolve_window(c, x0, kernel_from(c, x0, nullptr));
  const Tensor x2 = as_2d(x0, w);
  const Tensor x = pad_2d(x2, w, -std::numeric_limits<double>::infinity());
  MaxPool2dFuncOptions o;
  o.kernel = {w.kernel[0], w.kernel[1]};
  o.stride = Size2{w.strides[0], w.strides[1]};
  o.dilation = {w.dilations[0], w.dilations[1]};
  o.ceil_mode = c.attr_int("ceil_mode", 0) != 0;
  if (!want_idx) {
    const Tensor y = from_2d(max_pool2d(x, o), rank);
    return {ints ? to_dtype(y, c.input(0).dtype()) : y};
  }
  auto [y, idx] = max_pool2d_with_indices(x, o);
  y = from_2d(y, rank);
  idx = from_2d(onnx_indices(idx, x2.shape(), w, x.size(3), order == 1), rank);
  return {ints ? to_dtype(y, c.input(0).dtype()) : y, idx};
}

// count_include_pad = 0 (the default) with padding: the mean over the real cells is the pooled
// padded input over the pooled padded mask of ones.
// One pooling pass over the two spatial axes of (N, C, H, W) with a two-axis window: explicit
// padding (-inf for max), then the pool; for the average without count_include_pad, over the
// pooled padded mask of ones.
Tensor pool_pass(const OpContext& c, const Tensor& x, const Window& w, bool is_max) {
  const bool ceil = c.attr_int("ceil_mode", 0) != 0;
  if (is_max) {
    MaxPool2dFuncOptions o;
    o.kernel = {w.kernel[0], w.kernel[1]};
    o.stride = Size2{w.strides[0], w.strides[1]};
    o.dilation = {w.dilations[0], w.dilations[1]};
    o.ceil_mode = ceil;
    return max_pool2d(pad_2d(x, w, -std::numeric_limits<double>::infinity()), o);
  }
  AvgPool2dFuncOptions o;
  o.kernel = {w.kernel[0], w.kernel[1]};
  o.stride = Size2{w.strides[0], w.strides[1]};
  o.ceil_mode = ceil;
  Tensor y = avg_pool2d(pad_2d(x, w, 0), o);
  const bool padded = w.begin != std::vector<int64_t>{0, 0} || w.end != std::vector<int64_t>{0, 0};
  if (padded && c.attr_int("count_include_pad", 0) == 0) {
    const Tensor ones = Tensor::ones({1, 1, x.size(2), x.size(3)}, x.dtype());
    y = y / avg_pool2d(pad_2d(ones, w, 0), o);
  }
  return y;
}

// 3-D pools (N, C, D, H, W) are separable, a box being a product of per-axis windows (and, for
// the average without count_include_pad, the real cells too): pool H and W per depth slice,
// then D as a (D, 1) window over (N, C, D, H'W').
Tensor pool_3d(const OpContext& c, const Tensor& x, bool is_max) {
  const Window w = resolve_window(c, x, kernel_from(c, x, nullptr));
  auto axes = [&w](size_t a, size_t b, bool unit_b) {
    auto pick = [&](const std::vector<int64_t>& v, int64_t unit) {
      return std::vector<int64_t>{v[a], unit_b ? unit : v[b]};
    };
    return Window{pick(w.kernel, 1), pick(w.strides, 1), pick(w.dilations, 1), pick(w.begin, 0),
                  pick(w.end, 0)};
  };
  const int64_t n = x.size(0), ch = x.size(1), d = x.size(2);
  const Tensor hw =
      pool_pass(c, x.reshape({n, ch * d, x.size(3), x.size(4)}), axes(1, 2, false), is_max);
  const int64_t h = hw.size(2), wd = hw.size(3);
  const Tensor y = pool_pass(c, hw.reshape({n, ch, d, h * wd}), axes(0, 0, true), is_max);
  return y.reshape({n, ch, y.size(2), h, wd});
}

std::vector<Tensor> avg_pool(const OpContext& c) {
  const Tensor& x0 = c.input(0);
  if (x0.dim() == 5 && is_floating(x0.dtype())) {
    for (int64_t d : c.attr_ints("dilations", {1, 1, 1}))
      if (d != 1) c.unsupported("dilations other than 1");
    return {pool_3d(c, x0, false)};
  }
  const int64_t rank = spatial_rank(c, x0) + 2;
  Window w = resolve_window(c, x0, kernel_from(c, x0, nullptr));
  for (int64_t d : w.dilations)
    if (d != 1) c.unsupported("dilations other than 1");
  return {from_2d(pool_pass(c, as_2d(x0, w), w, false), rank)};
}

}  // namespace

void add_conv_ops(OpTable& t) {
  t["Conv"] = conv;
  t["ConvTranspose"] = conv_transpose;
  t["MaxPool"] = max_pool;
  t["AveragePool"] = avg_pool;
}

}  // namespace nabla::onnx
