#include "nabla/vision/heatmap.hpp"

#include <algorithm>
#include <vector>

#include "nabla/autograd/node.hpp"
#include "nabla/nn/conv.hpp"
#include "nabla/nn/pooling.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"
#include "nabla/vision/eval_mode.hpp"

namespace nabla::vision {

namespace {

Size2 times(Size2 a, Size2 b) { return {a.h * b.h, a.w * b.w}; }

Size2 layer_stride(const nn::Module& m, const std::string& name) {
  if (const auto* c = dynamic_cast<const nn::Conv2d*>(&m)) return c->options().stride;
  if (const auto* p = dynamic_cast<const nn::MaxPool2d*>(&m))
    return p->options().stride.value_or(p->kernel_size());
  if (const auto* p = dynamic_cast<const nn::AvgPool2d*>(&m))
    return p->options().stride.value_or(p->kernel_size());
  if (const auto* s = dynamic_cast<const nn::Sequential*>(&m)) {
    Size2 total = 1;
    for (const auto& [child, ptr] : s->named_children())
      total = times(total, layer_stride(*ptr, name.empty() ? child : name + "." + child));
    return total;
  }
  // a skip connection adds two paths of the same stride: the body's
  if (const auto* r = dynamic_cast<const nn::Residual*>(&m)) return layer_stride(r->body(), name);
  const bool rescales = dynamic_cast<const nn::ConvTranspose2d*>(&m) ||
                        dynamic_cast<const nn::AdaptiveAvgPool2d*>(&m) ||
                        dynamic_cast<const nn::AdaptiveMaxPool2d*>(&m);
  NABLA_CHECK(!rescales && m.named_children().empty(), "heatmap",
              "cannot tell the stride of layer ", name, " (", m.type_name(),
              "), so score cells cannot be placed on the image");
  return 1;  // activations, normalisations, dropout: position by position
}

}  // namespace

ScoreMapGeometry score_map_geometry(const nn::Sequential& fcn, const Shape& input_shape) {
  NABLA_CHECK(input_shape.size() == 3, "heatmap", "the classifier's input must be (C, H, W), got ",
              shape_str(input_shape));
  return {Size2(input_shape[1], input_shape[2]), layer_stride(fcn, "")};
}

void check_scene_size(const ScoreMapGeometry& g, int64_t height, int64_t width) {
  NABLA_CHECK(height >= g.window.h && width >= g.window.w && g.stride.h > 0 && g.stride.w > 0,
              "heatmap", "the scene (", width, "x", height, ") must be at least the classifier's ",
              g.window.w, "x", g.window.h, " input");
}

Tensor class_scores(nn::Module& fcn, const Tensor& scene) {
  NABLA_CHECK(scene.defined() && scene.dim() == 3, "heatmap", "expects one scene (C, H, W), got ",
              scene.defined() ? shape_str(scene.shape()) : std::string("an undefined tensor"));
  autograd::NoGradGuard no_grad;
  EvalModeGuard eval(fcn);
  const Tensor out = fcn.forward(unsqueeze(scene, 0));
  NABLA_CHECK(out.dim() == 4, "heatmap", "the model gives ", shape_str(out.shape()),
              " for a scene; a score map (1, K, OH, OW) needs a convolutionalized classifier");
  return softmax(out, 1).select(0, 0).contiguous();
}

namespace {

// Per output pixel: the two cells around it and the weight of the second.
struct Taps {
  std::vector<int64_t> lo, hi;
  std::vector<float> frac;
};

Taps cell_taps(int64_t pixels, int64_t cells, int64_t window, int64_t stride) {
  Taps t;
  const double centre0 = (static_cast<double>(window) - 1) / 2;
  for (int64_t p = 0; p < pixels; ++p) {
    const double u = std::clamp((p - centre0) / static_cast<double>(stride), 0.0,
                                static_cast<double>(cells - 1));
    const auto lo = static_cast<int64_t>(u);
    t.lo.push_back(lo);
    t.hi.push_back(std::min(lo + 1, cells - 1));
    t.frac.push_back(static_cast<float>(u - static_cast<double>(lo)));
  }
  return t;
}

}  // namespace

Tensor upsample_scores(const Tensor& scores, const ScoreMapGeometry& g, int64_t height,
                       int64_t width) {
  NABLA_CHECK(scores.defined() && scores.dim() == 3 && scores.dtype() == DType::Float32, "heatmap",
              "expects float32 scores (K, OH, OW)");
  const int64_t K = scores.size(0), OH = scores.size(1), OW = scores.size(2);
  check_scene_size(g, height, width);
  const int64_t want_h = (height - g.window.h) / g.stride.h + 1;
  const int64_t want_w = (width - g.window.w) / g.stride.w + 1;
  NABLA_CHECK(OH == want_h && OW == want_w, "heatmap", "the model gives ", OH, "x", OW,
              " score cells but ", want_h, "x", want_w, " windows of ", g.window.h, "x", g.window.w,
              " at stride ", g.stride.str(), " fit a ", height, "x", width,
              " scene (ceil_mode pooling?); cells cannot be placed on the image");
  const Taps ty = cell_taps(height, OH, g.window.h, g.stride.h);
  const Taps tx = cell_taps(width, OW, g.window.w, g.stride.w);
  const Tensor src = scores.contiguous();
  const float* s = src.data<float>();
  Tensor out = Tensor::empty({K, height, width});
  float* o = out.data<float>();
  for (int64_t k = 0; k < K; ++k) {
    const float* plane = s + k * OH * OW;
    for (int64_t y = 0; y < height; ++y) {
      const float* r0 = plane + ty.lo[y] * OW;
      const float* r1 = plane + ty.hi[y] * OW;
      for (int64_t x = 0; x < width; ++x) {
        const float top = r0[tx.lo[x]] + tx.frac[x] * (r0[tx.hi[x]] - r0[tx.lo[x]]);
        const float bottom = r1[tx.lo[x]] + tx.frac[x] * (r1[tx.hi[x]] - r1[tx.lo[x]]);
        o[(k * height + y) * width + x] = top + ty.frac[y] * (bottom - top);
      }
    }
  }
  return out;
}

Tensor class_heatmap(nn::Module& fcn, const Tensor& scene, const ScoreMapGeometry& g) {
  NABLA_CHECK(scene.defined() && scene.dim() == 3, "heatmap", "expects one scene (C, H, W)");
  check_scene_size(g, scene.size(1), scene.size(2));
  return upsample_scores(class_scores(fcn, scene), g, scene.size(1), scene.size(2));
}

SceneHeatmap scene_heatmap(nn::Sequential& fcn, const Shape& input_shape, const Tensor& scene) {
  SceneHeatmap h;
  h.geometry = score_map_geometry(fcn, input_shape);
  NABLA_CHECK(scene.defined() && scene.dim() == 3 && scene.size(0) == input_shape[0], "heatmap",
              "the classifier takes ", input_shape[0], "-channel images, the scene is ",
              scene.defined() ? shape_str(scene.shape()) : std::string("undefined"));
  check_scene_size(h.geometry, scene.size(1), scene.size(2));
  h.scores = class_scores(fcn, scene);
  h.heat = upsample_scores(h.scores, h.geometry, scene.size(1), scene.size(2));
  return h;
}

}  // namespace nabla::vision
