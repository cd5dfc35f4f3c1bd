// roi_align: hand-computed values on ramps, a plain reference loop written from the ONNX
// RoiAlign formula (every mode, fixed and adaptive sampling, both coordinate rules), float64
// gradchecks, torchvision's values and feature gradients (make_detect_fixtures.py), and the
// errors for bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "nabla/autograd/gradcheck.hpp"
#include "nabla/core/error.hpp"
#include "nabla/core/random.hpp"
#include "nabla/ops/ops.hpp"
#include "nabla/vision/roi_align.hpp"
#include "tests/support/fixtures.hpp"

namespace nabla::vision {
namespace {

Tensor ints(std::vector<int64_t> v) {
  const auto n = static_cast<int64_t>(v.size());
  return Tensor::from_vector(v, {n});
}

// (1, 1, 4, 6) with value = column index: bilinear interpolation returns the sample's x.
Tensor column_ramp() {
  std::vector<double> v;
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 6; ++j) v.push_back(static_cast<double>(j));
  return Tensor::from_vector(v, {1, 1, 4, 6});
}

// box x 1..5, y 1..3, two bins across, 2x2 samples per bin.
// aligned: start x = 1 - 0.5, bins 2 wide: samples x = 1, 2 | 3, 4 -> means 1.5, 3.5.
// legacy:  start x = 1: samples x = 1.5, 2.5 | 3.5, 4.5 -> means 2, 4.
TEST(RoiAlign, AveragesOfAColumnRampAreTheSampleCentres) {
  const Tensor boxes = Tensor::from_vector(std::vector<double>{1, 1, 5, 3}, {1, 4});
  RoiAlignOptions o{.output_h = 1, .output_w = 2, .sampling_ratio = 2, .aligned = true};
  auto y = roi_align(column_ramp(), boxes, ints({0}), o).to_vector<double>();
  ASSERT_EQ(y.size(), 2u);
  EXPECT_NEAR(y[0], 1.5, 1e-12);
  EXPECT_NEAR(y[1], 3.5, 1e-12);
  o.aligned = false;
  y = roi_align(column_ramp(), boxes, ints({0}), o).to_vector<double>();
  EXPECT_NEAR(y[0], 2.0, 1e-12);
  EXPECT_NEAR(y[1], 4.0, 1e-12);
  // max of the samples: the right-most ones (2.5 and 4.5 in the legacy rule)
  o.mode = RoiAlignMode::Max;
  y = roi_align(column_ramp(), boxes, ints({0}), o).to_vector<double>();
  EXPECT_NEAR(y[0], 2.5, 1e-12);
  EXPECT_NEAR(y[1], 4.5, 1e-12);
}

// A sample at x = 4.5 on the ramp: corners 4 and 5 with weights 0.5 each (and y on a row, so
// the other row's weight is 0.5 too at y = 1.5): ONNX max takes the largest w * v = 0.25 * 5.
TEST(RoiAlign, OnnxMaxIsTheLargestWeightedCorner) {
  const Tensor boxes = Tensor::from_vector(std::vector<double>{4, 1, 5, 2}, {1, 4});
  RoiAlignOptions o{.sampling_ratio = 1, .mode = RoiAlignMode::MaxCorner};
  const auto y = roi_align(column_ramp(), boxes, ints({0}), o).to_vector<double>();
  EXPECT_NEAR(y[0], 0.25 * 5, 1e-12);
}

TEST(RoiAlign, SamplesOffTheMapAreZeroAndTheBorderIsClamped) {
  const Tensor x = Tensor::full({1, 1, 3, 3}, 2.0, DType::Float64);
  // wholly left of the map (x < -1): every sample is 0
  Tensor boxes = Tensor::from_vector(std::vector<double>{-9, 0, -5, 2}, {1, 4});
  EXPECT_EQ(roi_align(x, boxes, ints({0}), {.sampling_ratio = 2}).item(), 0.0);
  // past the right edge by less than a pixel: clamped to the last column, still 2
  boxes = Tensor::from_vector(std::vector<double>{2.2, 0, 2.9, 2}, {1, 4});
  EXPECT_NEAR(roi_align(x, boxes, ints({0}), {.sampling_ratio = 2}).item(), 2.0, 1e-12);
}

// ---- the reference: the ONNX formula evaluated one output value at a time ----------------

double at(const std::vector<double>& v, int64_t h, int64_t w, int64_t y, int64_t x) {
  return v[static_cast<size_t>(y * w + x)];
}

// the four (weight, value) terms of a bilinear sample, all zero off the map
std::array<std::pair<double, double>, 4> corners(const std::vector<double>& v, int64_t h, int64_t w,
                                                 double y, double x) {
  if (y < -1 || y > static_cast<double>(h) || x < -1 || x > static_cast<double>(w)) return {};
  y = std::clamp(y, 0.0, static_cast<double>(h - 1));
  x = std::clamp(x, 0.0, static_cast<double>(w - 1));
  const auto y0 = static_cast<int64_t>(std::floor(y)), x0 = static_cast<int64_t>(std::floor(x));
  const int64_t y1 = std::min(y0 + 1, h - 1), x1 = std::min(x0 + 1, w - 1);
  const double ly = y - static_cast<double>(y0), lx = x - static_cast<double>(x0);
  return {{{(1 - ly) * (1 - lx), at(v, h, w, y0, x0)},
           {(1 - ly) * lx, at(v, h, w, y0, x1)},
           {ly * (1 - lx), at(v, h, w, y1, x0)},
           {ly * lx, at(v, h, w, y1, x1)}}};
}

double reference_cell(const std::vector<double>& plane, int64_t h, int64_t w, const double* b,
                      int64_t ph, int64_t pw, const RoiAlignOptions& o) {
  const double off = o.aligned ? 0.5 : 0;
  const double sx = b[0] * o.spatial_scale - off, sy = b[1] * o.spatial_scale - off;
  double rw = b[2] * o.spatial_scale - off - sx, rh = b[3] * o.spatial_scale - off - sy;
  if (!o.aligned) rw = std::max(rw, 1.0), rh = std::max(rh, 1.0);
  const double bh = rh / static_cast<double>(o.output_h), bw = rw / static_cast<double>(o.output_w);
  const int64_t gh = o.sampling_ratio > 0 ? o.sampling_ratio : static_cast<int64_t>(std::ceil(bh));
  const int64_t gw = o.sampling_ratio > 0 ? o.sampling_ratio : static_cast<int64_t>(std::ceil(bw));
  double sum = 0, best = 0;
  bool any = false;  // a cell without samples is 0 in every mode
  for (int64_t iy = 0; iy < gh; ++iy)
    for (int64_t ix = 0; ix < gw; ++ix) {
      const double y = sy + (static_cast<double>(ph) + (iy + 0.5) / static_cast<double>(gh)) * bh;
      const double x = sx + (static_cast<double>(pw) + (ix + 0.5) / static_cast<double>(gw)) * bw;
      double interp = 0;
      for (auto [wt, val] : corners(plane, h, w, y, x)) {
        interp += wt * val;
        if (o.mode == RoiAlignMode::MaxCorner) best = any ? std::max(best, wt * val) : wt * val;
        any = any || o.mode == RoiAlignMode::MaxCorner;
      }
      sum += interp;
      if (o.mode == RoiAlignMode::Max) best = any ? std::max(best, interp) : interp;
      any = true;
    }
  if (o.mode == RoiAlignMode::Avg) return sum / static_cast<double>(std::max<int64_t>(gh * gw, 1));
  return best;
}

Tensor reference(const Tensor& x, const Tensor& boxes, const Tensor& idx,
                 const RoiAlignOptions& o) {
  const int64_t c = x.size(1), h = x.size(2), w = x.size(3), k = boxes.size(0);
  const auto xv = x.to_vector<double>(), bv = boxes.to_vector<double>();
  const auto iv = idx.to_vector<int64_t>();
  std::vector<double> out;
  for (int64_t r = 0; r < k; ++r)
    for (int64_t ch = 0; ch < c; ++ch) {
      const auto first = xv.begin() + (iv[r] * c + ch) * h * w;
      const std::vector<double> plane(first, first + h * w);
      for (int64_t ph = 0; ph < o.output_h; ++ph)
        for (int64_t pw = 0; pw < o.output_w; ++pw)
          out.push_back(reference_cell(plane, h, w, bv.data() + 4 * r, ph, pw, o));
    }
  return Tensor::from_vector(out, {k, c, o.output_h, o.output_w});
}

struct Case {
  Tensor x, boxes, idx;
};

Case random_case(uint64_t seed) {
  Generator g(seed);
  Case c;
  c.x = Tensor::randn({2, 3, 7, 9}, DType::Float64, &g);
  // top-left corners from -2 to 8 (some boxes reach off the map), sizes from -1 to 7 (a few
  // flipped: no samples when aligned, grown to 1x1 in the legacy rule)
  const auto r = Tensor::rand({6, 4}, DType::Float64, &g).to_vector<double>();
  std::vector<double> b;
  for (size_t k = 0; k < 6; ++k) {
    const double x1 = r[4 * k] * 10 - 2, y1 = r[4 * k + 1] * 10 - 2;
    b.insert(b.end(), {x1, y1, x1 + r[4 * k + 2] * 8 - 1, y1 + r[4 * k + 3] * 8 - 1});
  }
  c.boxes = Tensor::from_vector(b, {6, 4});
  c.idx = Tensor::randint(0, 2, {6}, &g);
  return c;
}

TEST(RoiAlign, MatchesTheReferenceLoopInEveryMode) {
  int checked = 0;
  for (uint64_t seed : {1, 2, 3})
    for (auto mode : {RoiAlignMode::Avg, RoiAlignMode::Max, RoiAlignMode::MaxCorner})
      for (bool aligned : {false, true})
        for (int64_t ratio : {0, 1, 3}) {
          const Case c = random_case(seed);
          const RoiAlignOptions o{.output_h = 3,
                                  .output_w = 2,
                                  .spatial_scale = 0.75,
                                  .sampling_ratio = ratio,
                                  .aligned = aligned,
                                  .mode = mode};
          const Tensor got = roi_align(c.x, c.boxes, c.idx, o);
          EXPECT_TRUE(test::all_close(got, reference(c.x, c.boxes, c.idx, o), 1e-12, 1e-12))
              << "seed " << seed << " mode " << static_cast<int>(mode) << " aligned " << aligned
              << " ratio " << ratio;
          ++checked;
        }
  EXPECT_EQ(checked, 54);
}

TEST(RoiAlign, GradcheckInEveryMode) {
  for (auto mode : {RoiAlignMode::Avg, RoiAlignMode::Max, RoiAlignMode::MaxCorner})
    for (bool aligned : {false, true}) {
      Case c = random_case(7);
      c.x.set_requires_grad(true);
      const RoiAlignOptions o{
          .output_h = 2, .output_w = 3, .sampling_ratio = 0, .aligned = aligned, .mode = mode};
      auto r = autograd::gradcheck(
          [&](const std::vector<Tensor>& in) { return roi_align(in[0], c.boxes, c.idx, o); },
          {c.x});
      EXPECT_TRUE(r.ok) << r.message << " (mode " << static_cast<int>(mode) << ")";
    }
}

TEST(RoiAlign, MatchesTorchvisionValuesAndFeatureGradients) {
  const auto f = test::load_fixture("vision_detect");
  for (const std::string name :
       {"roi_legacy", "roi_aligned", "roi_adaptive", "roi_adaptive_aligned"}) {
    auto get = [&](const std::string& k) { return test::fixture_get(f, name + "." + k); };
    const auto opts = get("opts").to_vector<double>();
    const RoiAlignOptions o{.output_h = static_cast<int64_t>(opts[0]),
                            .output_w = static_cast<int64_t>(opts[1]),
                            .spatial_scale = opts[2],
                            .sampling_ratio = static_cast<int64_t>(opts[3]),
                            .aligned = opts[4] != 0};
    Tensor x = get("x").clone_data();
    x.set_requires_grad(true);
    Tensor y = roi_align(x, get("boxes"), get("batch"), o);
    EXPECT_TRUE(test::all_close(y, get("y"), 1e-10, 1e-12)) << name;
    y.backward(get("gy"));
    EXPECT_TRUE(test::all_close(x.grad(), get("dx"), 1e-10, 1e-12)) << name;
  }
}

TEST(RoiAlign, Float32FeaturesGiveFloat32AndAgreeWithFloat64) {
  const Case c = random_case(4);
  const Tensor y32 = roi_align(c.x.to(DType::Float32), c.boxes, c.idx, {.output_h = 2});
  EXPECT_EQ(y32.dtype(), DType::Float32);
  EXPECT_TRUE(test::all_close(y32, roi_align(c.x, c.boxes, c.idx, {.output_h = 2}), 1e-5, 1e-6));
}

TEST(RoiAlign, BadInputIsAnErrorNamingTheProblem) {
  const Case c = random_case(5);
  auto msg = [&](const Tensor& x, const Tensor& b, const Tensor& i, RoiAlignOptions o = {}) {
    try {
      roi_align(x, b, i, o);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(msg(c.x, c.boxes, ints({0, 0, 0, 0, 0, 2})).find("batch index 2"), std::string::npos);
  EXPECT_NE(msg(c.x, c.boxes, ints({0})).find("batch indices"), std::string::npos);
  EXPECT_NE(msg(c.x, c.boxes, c.idx.to(DType::Float32)).find("int64 batch indices"),
            std::string::npos);
  EXPECT_NE(msg(c.x.reshape({6, 7, 9}), c.boxes, c.idx).find("(N, C, H, W)"), std::string::npos);
  EXPECT_NE(msg(c.x, c.boxes.reshape({4, 6}), c.idx).find("(K, 4)"), std::string::npos);
  EXPECT_NE(msg(c.x, c.boxes, c.idx, {.output_h = 0}).find("output size"), std::string::npos);
  Tensor nan_box = c.boxes.clone_data();
  nan_box.data<double>()[3] = std::nan("");
  EXPECT_NE(msg(c.x, nan_box, c.idx).find("non-finite"), std::string::npos);
  EXPECT_NE(msg(c.x, c.boxes, c.idx, {.output_h = int64_t{1} << 40, .output_w = int64_t{1} << 40})
                .find("too large"),
            std::string::npos);
  // a huge box with adaptive sampling would need billions of samples: an error, not an OOM
  const Tensor huge = Tensor::from_vector(std::vector<double>{0, 0, 1e12, 1e12}, {1, 4});
  EXPECT_NE(msg(c.x, huge, ints({0})).find("too many"), std::string::npos);
}

}  // namespace
}  // namespace nabla::vision
