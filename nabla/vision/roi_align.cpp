// RoIAlign: a sampling plan (the bilinear corners and weights of every sample of every output
// cell, computed once per box since all channels share it) run by a forward loop, and the same
// plan scattered back in the backward. Bilinear rules as torchvision's and onnxruntime's
// kernels: a sample more than one pixel outside the map is 0, one on the border is clamped.
#include "nabla/vision/roi_align.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "nabla/autograd/node.hpp"
#include "nabla/core/error.hpp"
#include "nabla/core/parallel.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla::vision {
namespace {

constexpr const char* kOp = "roi_align";
// A sanity bound on the plan (samples of all boxes together): a box of absurd size with an
// adaptive sampling ratio would otherwise ask for an unbounded allocation.
constexpr int64_t kMaxSamples = int64_t{1} << 27;

struct Corner {
  int64_t pos = 0;  // offset in one (H, W) plane
  double w = 0;
};
struct Sample {
  Corner c[4];
};

// Samples of output cell `cell` of box k: samples[first[k * cells + cell] ..
// first[k * cells + cell + 1]).
struct Plan {
  int64_t boxes = 0, channels = 0, plane = 0, cells = 0;
  std::vector<int64_t> batch;  // image of each box
  std::vector<int64_t> first;  // boxes * cells + 1 entries
  std::vector<Sample> samples;
  std::vector<double> count;  // the average's divisor per box: max(grid_h * grid_w, 1)
};

Sample bilinear(double y, double x, int64_t h, int64_t w) {
  Sample s;  // all weights 0: a sample off the map contributes 0
  if (y < -1.0 || y > static_cast<double>(h) || x < -1.0 || x > static_cast<double>(w)) return s;
  y = std::max(y, 0.0);
  x = std::max(x, 0.0);
  auto y0 = static_cast<int64_t>(y), x0 = static_cast<int64_t>(x), y1 = y0 + 1, x1 = x0 + 1;
  if (y0 >= h - 1) y = static_cast<double>(y0 = y1 = h - 1);
  if (x0 >= w - 1) x = static_cast<double>(x0 = x1 = w - 1);
  const double ly = y - static_cast<double>(y0), lx = x - static_cast<double>(x0);
  const double hy = 1 - ly, hx = 1 - lx;
  s.c[0] = {y0 * w + x0, hy * hx};
  s.c[1] = {y0 * w + x1, hy * lx};
  s.c[2] = {y1 * w + x0, ly * hx};
  s.c[3] = {y1 * w + x1, ly * lx};
  return s;
}

int64_t grid_size(double roi, int64_t out, int64_t ratio) {
  if (ratio > 0) return ratio;
  return std::max<int64_t>(static_cast<int64_t>(std::ceil(roi / static_cast<double>(out))), 0);
}

// Appends box b's samples (b: x1, y1, x2, y2 in input coordinates) to the plan.
void plan_box(Plan& p, const double* b, int64_t h, int64_t w, const RoiAlignOptions& o) {
  const double off = o.aligned ? 0.5 : 0.0, s = o.spatial_scale;
  const double x1 = b[0] * s - off, y1 = b[1] * s - off;
  double rw = b[2] * s - off - x1, rh = b[3] * s - off - y1;
  if (!o.aligned) rw = std::max(rw, 1.0), rh = std::max(rh, 1.0);
  const double bin_h = rh / static_cast<double>(o.output_h),
               bin_w = rw / static_cast<double>(o.output_w);
  const int64_t gh = grid_size(rh, o.output_h, o.sampling_ratio),
                gw = grid_size(rw, o.output_w, o.sampling_ratio);
  const double per_box =
      static_cast<double>(gh) * static_cast<double>(gw) * static_cast<double>(p.cells);
  NABLA_CHECK(static_cast<double>(p.samples.size()) + per_box <= static_cast<double>(kMaxSamples),
              kOp, "box (", b[0], ", ", b[1], ", ", b[2], ", ", b[3], ") needs ", gh, "x", gw,
              " samples per bin, too many in all; give a sampling_ratio > 0 or smaller boxes");
  p.count.push_back(static_cast<double>(std::max<int64_t>(gh * gw, 1)));
  for (int64_t ph = 0; ph < o.output_h; ++ph)
    for (int64_t pw = 0; pw < o.output_w; ++pw) {
      p.first.push_back(static_cast<int64_t>(p.samples.size()));
      for (int64_t iy = 0; iy < gh; ++iy) {
        const double y = y1 + static_cast<double>(ph) * bin_h +
                         (static_cast<double>(iy) + 0.5) * bin_h / static_cast<double>(gh);
        for (int64_t ix = 0; ix < gw; ++ix) {
          const double x = x1 + static_cast<double>(pw) * bin_w +
                           (static_cast<double>(ix) + 0.5) * bin_w / static_cast<double>(gw);
          p.samples.push_back(bilinear(y, x, h, w));
        }
      }
    }
}

void check_args(const Tensor& x, const Tensor& boxes, const Tensor& idx, const RoiAlignOptions& o) {
  NABLA_CHECK(x.defined() && boxes.defined() && idx.defined(), kOp, "an input is undefined");
  NABLA_CHECK(x.dim() == 4 && is_floating(x.dtype()), kOp,
              "expected float (N, C, H, W) features, got ", dtype_name(x.dtype()), " ",
              shape_str(x.shape()));
  NABLA_CHECK(x.size(2) > 0 && x.size(3) > 0, kOp, "expected a non-empty H and W, got ",
              shape_str(x.shape()));
  NABLA_CHECK(boxes.dim() == 2 && boxes.size(1) == 4 && is_floating(boxes.dtype()), kOp,
              "expected float boxes (K, 4), got ", dtype_name(boxes.dtype()), " ",
              shape_str(boxes.shape()));
  NABLA_CHECK(idx.dim() == 1 && idx.size(0) == boxes.size(0) && idx.dtype() == DType::Int64, kOp,
              "expected ", boxes.size(0), " int64 batch indices (one per box), got ",
              dtype_name(idx.dtype()), " ", shape_str(idx.shape()));
  NABLA_CHECK(o.output_h > 0 && o.output_w > 0, kOp, "expected an output size >= 1, got (",
              o.output_h, ", ", o.output_w, ")");
  // bounds in double so that absurd sizes cannot overflow before the check
  const double cells = static_cast<double>(o.output_h) * static_cast<double>(o.output_w);
  NABLA_CHECK(cells * static_cast<double>(std::max<int64_t>(boxes.size(0), 1)) <= kMaxSamples &&
                  cells * static_cast<double>(boxes.size(0)) * static_cast<double>(x.size(1)) <=
                      static_cast<double>(int64_t{1} << 32),
              kOp, "output size (", o.output_h, ", ", o.output_w, ") for ", boxes.size(0),
              " boxes is too large");
  NABLA_CHECK(std::isfinite(o.spatial_scale), kOp, "spatial_scale must be finite, got ",
              o.spatial_scale);
}

Plan make_plan(const Tensor& x, const Tensor& boxes, const Tensor& idx, const RoiAlignOptions& o) {
  check_args(x, boxes, idx, o);
  Plan p;
  p.boxes = boxes.size(0), p.channels = x.size(1), p.plane = x.size(2) * x.size(3);
  p.cells = o.output_h * o.output_w;
  const auto b = boxes.to_vector<double>();
  p.batch = idx.to_vector<int64_t>();
  for (int64_t k = 0; k < p.boxes; ++k) {
    NABLA_CHECK(p.batch[k] >= 0 && p.batch[k] < x.size(0), kOp, "box ", k, " has batch index ",
                p.batch[k], ", out of range for ", x.size(0), " images");
    for (int j = 0; j < 4; ++j)
      NABLA_CHECK(std::isfinite(b[4 * k + j]), kOp, "box ", k, " has a non-finite coordinate");
    plan_box(p, b.data() + 4 * k, x.size(2), x.size(3), o);
  }
  p.first.push_back(static_cast<int64_t>(p.samples.size()));
  return p;
}

// One output value and, for the max modes, which sample (Max) or sample * 4 + corner
// (MaxCorner) gave it (-1: the cell has no samples).
template <class T>
double pool_cell(const Plan& p, int64_t cell, const T* v, RoiAlignMode mode, int64_t* arg) {
  const int64_t s0 = p.first[cell], s1 = p.first[cell + 1];
  double best = 0, acc = 0;
  *arg = -1;
  for (int64_t s = s0; s < s1; ++s) {
    const Corner* c = p.samples[s].c;
    if (mode == RoiAlignMode::MaxCorner) {
      for (int64_t k = 0; k < 4; ++k) {
        const double t = c[k].w * static_cast<double>(v[c[k].pos]);
        if (*arg < 0 || t > best || std::isnan(t)) best = t, *arg = (s - s0) * 4 + k;
      }
      continue;
    }
    double t = 0;
    for (int64_t k = 0; k < 4; ++k) t += c[k].w * static_cast<double>(v[c[k].pos]);
    acc += t;
    if (mode == RoiAlignMode::Max && (*arg < 0 || t > best || std::isnan(t)))
      best = t, *arg = s - s0;
  }
  return mode == RoiAlignMode::Avg ? acc / p.count[cell / p.cells] : best;
}

// Parallel over (box, channel) planes: each writes its own outputs. (The backward scatters into
// shared feature planes, so it stays serial.)
template <class T>
void forward(const Plan& p, RoiAlignMode mode, const T* x, T* y, int64_t* arg) {
  // threads only for real work (~64k corner reads a chunk): small calls, as in a gradcheck, would
  // pay more for starting threads than they save
  const auto per_plane = static_cast<int64_t>(4 * p.samples.size()) / std::max<int64_t>(p.boxes, 1);
  const int64_t grain = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(per_plane, 1));
  parallel_for(0, p.boxes * p.channels, grain, [&](int64_t begin, int64_t end) {
    int64_t scratch = 0;
    for (int64_t kc = begin; kc < end; ++kc) {
      const int64_t k = kc / p.channels, c = kc % p.channels;
      const T* v = x + (p.batch[k] * p.channels + c) * p.plane;
      for (int64_t cell = 0; cell < p.cells; ++cell) {
        const int64_t o = kc * p.cells + cell;
        y[o] = static_cast<T>(pool_cell(p, k * p.cells + cell, v, mode, arg ? arg + o : &scratch));
      }
    }
  });
}

template <class T>
void backward(const Plan& p, RoiAlignMode mode, const T* gy, const int64_t* arg, T* gx) {
  for (int64_t k = 0; k < p.boxes; ++k)
    for (int64_t c = 0; c < p.channels; ++c) {
      T* g = gx + (p.batch[k] * p.channels + c) * p.plane;
      for (int64_t cell = 0; cell < p.cells; ++cell) {
        const int64_t o = (k * p.channels + c) * p.cells + cell, pc = k * p.cells + cell;
        const double go = static_cast<double>(gy[o]);
        const Sample* s = p.samples.data() + p.first[pc];
        if (mode == RoiAlignMode::Avg) {
          const double scale = go / p.count[k];
          for (int64_t i = 0; i < p.first[pc + 1] - p.first[pc]; ++i)
            for (const Corner& cr : s[i].c) g[cr.pos] += static_cast<T>(cr.w * scale);
        } else if (arg[o] >= 0 && mode == RoiAlignMode::Max) {
          for (const Corner& cr : s[arg[o]].c) g[cr.pos] += static_cast<T>(cr.w * go);
        } else if (arg[o] >= 0) {
          const Corner& cr = s[arg[o] / 4].c[arg[o] % 4];
          g[cr.pos] += static_cast<T>(cr.w * go);
        }
      }
    }
}

Tensor raw(const Tensor& t, DType dt) {
  autograd::NoGradGuard ng;
  Tensor r = t.detach();
  return contiguous(r.dtype() == dt ? r : to_dtype(r, dt));
}

}  // namespace

Tensor roi_align(const Tensor& features, const Tensor& boxes, const Tensor& batch_indices,
                 const RoiAlignOptions& options) {
  auto plan = std::make_shared<Plan>(make_plan(features, boxes, batch_indices, options));
  const DType dt = features.dtype();
  const bool need_grad = autograd::any_requires_grad({&features});
  const RoiAlignMode mode = options.mode;
  const Shape out_shape{plan->boxes, plan->channels, options.output_h, options.output_w};
  Tensor x = raw(features, dt);
  Tensor y = Tensor::empty(out_shape, dt);
  Tensor arg =
      need_grad && mode != RoiAlignMode::Avg ? Tensor::empty(out_shape, DType::Int64) : Tensor();
  int64_t* arg_ptr = arg.defined() ? arg.data<int64_t>() : nullptr;
  NABLA_DISPATCH_FLOAT(dt, T, [&] { forward<T>(*plan, mode, x.data<T>(), y.data<T>(), arg_ptr); });
  if (!need_grad) return y;
  return autograd::record(
      kOp, y, {features}, [plan, mode, arg, dt, in_shape = features.shape()](const Tensor& g) {
        Tensor gc = raw(g, dt);
        Tensor gx = Tensor::zeros(in_shape, dt);
        NABLA_DISPATCH_FLOAT(dt, T, [&] {
          backward<T>(*plan, mode, gc.data<T>(), arg.defined() ? arg.data<int64_t>() : nullptr,
                      gx.data<T>());
        });
        return std::vector<Tensor>{gx};
      });
}

}  // namespace nabla::vision
