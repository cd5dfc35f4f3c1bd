// Resize (opsets 10-17) and Upsample (7-9), modes nearest and linear (n-linear: bilinear on
// images), every coordinate_transformation_mode of opset 11-17 (half_pixel, pytorch_half_pixel,
// align_corners, asymmetric, tf_half_pixel_for_nn, tf_crop_and_resize with roi and
// extrapolation_value) and every nearest_mode. Resize-10 and Upsample map coordinates as
// `asymmetric` with nearest = floor (what Upsample specified and Resize-10 replaced). Cubic
// (Resize-11 on) uses Keys' kernel with cubic_coeff_a and exclude_outside.
// Every mode is separable: each resized axis is an index_select of one (nearest), two
// (linear) or four (cubic) source rows and a weighted sum, so gradients reach the input. The
// coordinate arithmetic follows ONNX's reference implementation (onnx/reference/ops/op_resize.py),
// including its use of scale * input length (not the rounded output length) in align_corners.
#include <array>
#include <cmath>
#include <functional>

#include "nabla/onnx/ops.hpp"
#include "nabla/ops/ops.hpp"

namespace nabla::onnx {
namespace {

using Outs = std::vector<Tensor>;

struct Settings {
  bool linear = false, cubic = false, exclude_outside = false;
  double cubic_a = -0.75;
  std::string coord = "half_pixel", nearest = "round_prefer_floor";
  double extrapolation = 0;
};

// Where output position x of one axis reads from, in input coordinates.
double source_coord(const Settings& s, double x, int64_t in, double scale, double r0, double r1) {
  const double out_len = scale * static_cast<double>(in);
  if (s.coord == "align_corners") return out_len == 1 ? 0 : x * (in - 1) / (out_len - 1);
  if (s.coord == "asymmetric") return x / scale;
  if (s.coord == "pytorch_half_pixel") return out_len == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
  if (s.coord == "tf_half_pixel_for_nn") return (x + 0.5) / scale;
  if (s.coord == "tf_crop_and_resize")
    return (out_len == 1 ? (r1 - r0) * (in - 1) / 2 : x * (r1 - r0) * (in - 1) / (out_len - 1)) +
           r0 * (in - 1);
  return (x + 0.5) / scale - 0.5;  // half_pixel
}

// The nearest source of a fractional coordinate, by nearest_mode (an integer is itself).
int64_t nearest_of(const std::string& mode, double xo) {
  const double f = std::floor(xo), ratio = xo - f;
  if (ratio == 0) return static_cast<int64_t>(f);
  bool up = false;
  if (mode == "round_prefer_floor") up = ratio > 0.5;
  if (mode == "round_prefer_ceil") up = ratio >= 0.5;
  if (mode == "ceil") up = true;
  return static_cast<int64_t>(f) + (up ? 1 : 0);
}

// Keys' cubic convolution weights of the 4 neighbours f-1..f+2 of x = f + r, as ONNX's reference
// (cubic_coeffs); an integer x counts as f = x - 1, r = 1 (all weight on x itself).
std::array<double, 4> cubic_weights(double r, double a) {
  const double s = 1 - r;
  return {((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
          ((a + 2) * r - (a + 3)) * r * r + 1, ((a + 2) * s - (a + 3)) * s * s + 1,
          ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a};
}

// Cubic along one axis: a weighted sum of 4 edge-clamped source rows; with exclude_outside the
// weights of rows outside the input are dropped and the rest renormalised.
Tensor cubic_axis(const Tensor& x, int64_t d, const std::vector<double>& coords, const Settings& s,
                  const std::function<Tensor(const std::vector<double>&)>& column) {
  const int64_t in = x.size(d), out = static_cast<int64_t>(coords.size());
  std::vector<std::vector<int64_t>> idx(4, std::vector<int64_t>(out));
  std::vector<std::vector<double>> w(4, std::vector<double>(out));
  for (int64_t o = 0; o < out; ++o) {
    double f = std::floor(coords[o]), r = coords[o] - f;
    if (r == 0) f -= 1, r = 1;
    auto c = cubic_weights(r, s.cubic_a);
    double sum = 0;
    for (int k = 0; k < 4; ++k) {
      const auto i = static_cast<int64_t>(f) - 1 + k;
      if (s.exclude_outside && (i < 0 || i >= in)) c[k] = 0;
      sum += c[k];
      idx[k][o] = std::clamp<int64_t>(i, 0, in - 1);
    }
    for (int k = 0; k < 4; ++k) w[k][o] = s.exclude_outside ? c[k] / sum : c[k];
  }
  Tensor y;
  for (int k = 0; k < 4; ++k) {
    const Tensor t = index_select(x, d, Tensor::from_vector(idx[k], {out})) * column(w[k]);
    y = k == 0 ? t : y + t;
  }
  return y;
}

// One axis resized: out = x[i0] * (1 - w) + x[i1] * w, then extrapolation_value where
// tf_crop_and_resize reads outside the input.
Tensor resize_axis(const Tensor& x, int64_t d, int64_t out, double scale, const Settings& s,
                   double r0, double r1) {
  const int64_t in = x.size(d);
  std::vector<int64_t> i0(out), i1(out);
  std::vector<double> w(out), inside(out, 1), coords(out);
  bool any_outside = false;
  auto clamp = [in](double v) { return std::clamp<int64_t>(static_cast<int64_t>(v), 0, in - 1); };
  for (int64_t x_out = 0; x_out < out; ++x_out) {
    const double xo = source_coord(s, static_cast<double>(x_out), in, scale, r0, r1);
    coords[x_out] = xo;
    if (s.coord == "tf_crop_and_resize" && (xo < 0 || xo > in - 1)) {
      inside[x_out] = 0;
      any_outside = true;
    }
    const double f = std::floor(xo);
    i0[x_out] = s.linear ? clamp(f) : clamp(static_cast<double>(nearest_of(s.nearest, xo)));
    i1[x_out] = clamp(f + 1);
    w[x_out] = s.linear ? xo - f : 0;
  }
  auto pick = [&](const std::vector<int64_t>& i) {
    return index_select(x, d, Tensor::from_vector(i, {out}));
  };
  Shape along(static_cast<size_t>(x.dim()), 1);
  along[d] = out;
  const std::function<Tensor(const std::vector<double>&)> column =
      [&](const std::vector<double>& v) {
        return to_dtype(Tensor::from_vector(v, along), x.dtype());
      };
  Tensor y = s.cubic ? cubic_axis(x, d, coords, s, column) : pick(i0);
  if (s.linear) {
    const Tensor wt = column(w);
    y = y * (1.0 - wt) + pick(i1) * wt;
  }
  if (any_outside) {
    const Tensor m = column(inside);
    y = y * m + (1.0 - m) * s.extrapolation;
  }
  return y;
}

// Every axis whose size or mapping changes, one after another.
Tensor resize_all(const OpContext& c, const Tensor& x, const Shape& out,
                  const std::vector<double>& scales, const Settings& s,
                  const std::vector<double>& roi) {
  if (!is_floating(x.dtype()) && (s.linear || s.cubic))
    c.unsupported("linear or cubic resizing of integer data");
  Tensor y = x;
  const int64_t r = x.dim();
  for (int64_t d = 0; d < r; ++d) {
    const double r0 = roi.empty() ? 0 : roi[d], r1 = roi.empty() ? 1 : roi[d + r];
    const bool crop = s.coord == "tf_crop_and_resize" && (r0 != 0 || r1 != 1);
    if (out[d] == x.size(d) && scales[d] == 1 && !crop) continue;
    if (out[d] < 0) c.fail("negative output size");
    if (x.size(d) == 0) c.fail("cannot resize an empty axis to " + std::to_string(out[d]));
    y = resize_axis(y, d, out[d], scales[d], s, r0, r1);
  }
  return y;
}

// Output sizes and the per-axis scales from `scales` or `sizes` (exactly one of them given).
void sizes_and_scales(const OpContext& c, const Tensor& x, const std::vector<double>& scales,
                      const std::vector<int64_t>& sizes, Shape& out, std::vector<double>& sc) {
  const auto r = static_cast<size_t>(x.dim());
  if (scales.empty() == sizes.empty()) c.fail("exactly one of scales and sizes must be given");
  if (!sizes.empty() && sizes.size() != r) c.fail("sizes must have one value per input dim");
  if (!scales.empty() && scales.size() != r) c.fail("scales must have one value per input dim");
  out.assign(r, 0);
  sc.assign(r, 1);
  for (size_t d = 0; d < r; ++d) {
    const auto in = static_cast<double>(x.shape()[d]);
    if (!sizes.empty()) {
      if (sizes[d] < 0) c.fail("sizes must be >= 0");
      out[d] = sizes[d];
      sc[d] = in == 0 ? 1 : static_cast<double>(sizes[d]) / in;
    } else {
      if (!(scales[d] > 0) || scales[d] * in > 1e12) c.fail("scales must be positive and sane");
      sc[d] = scales[d];
      // in float32, as ONNX Runtime does: PyTorch exports size 9 of 5 as the scale 1.8f, and
      // 1.8f * 5 is 9 in float32 but 8.99999976 in float64
      out[d] =
          static_cast<int64_t>(std::floor(static_cast<float>(scales[d]) * static_cast<float>(in)));
    }
  }
  double total = 1;  // refused before anything is allocated
  for (int64_t o : out) total *= static_cast<double>(o);
  if (total > static_cast<double>(int64_t{1} << 32))
    c.fail("the output " + shape_str(out) + " has more than 2^32 elements");
}

std::vector<double> float_input(const OpContext& c, size_t i) {
  if (!c.has_input(i)) return {};
  return c.input(i).to_vector<double>();
}

Settings settings_of(const OpContext& c, bool legacy) {
  Settings s;
  const std::string mode = c.attr_string("mode", "nearest");
  if (mode != "nearest" && mode != "linear" && mode != "bilinear" && mode != "cubic")
    c.fail("mode must be nearest, linear or cubic, got '" + mode + "'");
  s.cubic = mode == "cubic";
  if (s.cubic && legacy) c.fail("mode cubic needs Resize-11 or later");
  s.linear = !s.cubic && mode != "nearest";
  s.cubic_a = c.attr_float("cubic_coeff_a", -0.75);
  s.exclude_outside = c.attr_int("exclude_outside", 0) != 0;
  if (legacy) {
    s.coord = "asymmetric";
    s.nearest = "floor";
    return s;
  }
  s.coord = c.attr_string("coordinate_transformation_mode", "half_pixel");
  s.nearest = c.attr_string("nearest_mode", "round_prefer_floor");
  s.extrapolation = c.attr_float("extrapolation_value", 0);
  for (const char* m : {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                        "tf_half_pixel_for_nn", "tf_crop_and_resize"})
    if (s.coord == m) return s;
  c.fail("unknown coordinate_transformation_mode '" + s.coord + "'");
}

// Opset 10: (X, scales). 11-17: (X, roi, scales, sizes), roi used by tf_crop_and_resize only.
Outs resize_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  const bool legacy = c.opset() < 11;
  const Settings s = settings_of(c, legacy);
  const std::string& nm = s.nearest;
  if (nm != "round_prefer_floor" && nm != "round_prefer_ceil" && nm != "floor" && nm != "ceil")
    c.fail("unknown nearest_mode '" + nm + "'");
  std::vector<double> roi;
  if (!legacy && s.coord == "tf_crop_and_resize") {
    roi = float_input(c, 1);
    if (roi.size() != static_cast<size_t>(2 * x.dim())) c.fail("roi must hold 2 x rank values");
  }
  Shape out;
  std::vector<double> sc;
  sizes_and_scales(c, x, float_input(c, legacy ? 1 : 2),
                   legacy ? std::vector<int64_t>{} : c.input_ints(3), out, sc);
  return {resize_all(c, x, out, sc, s, roi)};
}

// Opset 7-8: scales attribute; 9: scales input.
Outs upsample_op(const OpContext& c) {
  const Tensor& x = c.input(0);
  const Settings s = settings_of(c, true);
  std::vector<double> scales;
  if (c.opset() >= 9) {
    scales = float_input(c, 1);
  } else if (const auto* a = c.attr("scales")) {
    scales.assign(a->floats().begin(), a->floats().end());
  }
  if (scales.empty()) c.fail("scales are required");
  Shape out;
  std::vector<double> sc;
  sizes_and_scales(c, x, scales, {}, out, sc);
  return {resize_all(c, x, out, sc, s, {})};
}

}  // namespace

void add_resize_ops(OpTable& t) {
  t["Resize"] = resize_op;
  t["Upsample"] = upsample_op;
}

}  // namespace nabla::onnx
