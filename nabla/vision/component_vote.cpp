#include "nabla/vision/component_vote.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "nabla/core/error.hpp"

namespace nabla::vision {
namespace {

// Softmax of one pixel's K scores (strided by `plane` in the (K, H, W) block).
void pixel_softmax(const float* s, int64_t K, int64_t plane, std::vector<double>& p) {
  double top = s[0];
  for (int64_t k = 1; k < K; ++k) top = std::max<double>(top, s[k * plane]);
  double sum = 0;
  for (int64_t k = 0; k < K; ++k) sum += p[k] = std::exp(s[k * plane] - top);
  for (int64_t k = 0; k < K; ++k) p[k] /= sum;
}

// One image: labels (H*W) start as the per-pixel argmax; each foreground region is relabelled.
void vote_image(const float* s, int64_t K, int64_t H, int64_t W, int64_t* labels) {
  const int64_t plane = H * W;
  std::vector<double> p(static_cast<size_t>(K)), mass(static_cast<size_t>(K));
  std::vector<char> seen(static_cast<size_t>(plane), 0);
  std::vector<int64_t> region, stack;
  for (int64_t start = 0; start < plane; ++start) {
    if (labels[start] == 0 || seen[start]) continue;
    region.clear();
    stack.assign(1, start);
    seen[start] = 1;
    std::fill(mass.begin(), mass.end(), 0.0);
    while (!stack.empty()) {  // flood fill over the 8 neighbours
      const int64_t at = stack.back();
      stack.pop_back();
      region.push_back(at);
      pixel_softmax(s + at, K, plane, p);
      for (int64_t k = 1; k < K; ++k) mass[k] += p[k];
      const int64_t y = at / W, x = at % W;
      for (int64_t dy = -1; dy <= 1; ++dy)
        for (int64_t dx = -1; dx <= 1; ++dx) {
          const int64_t ny = y + dy, nx = x + dx, n = ny * W + nx;
          if (ny < 0 || ny >= H || nx < 0 || nx >= W || seen[n] || labels[n] == 0) continue;
          seen[n] = 1;
          stack.push_back(n);
        }
    }
    const int64_t best = std::max_element(mass.begin() + 1, mass.end()) - mass.begin();
    for (int64_t at : region) labels[at] = best;
  }
}

}  // namespace

Tensor vote_components(const Tensor& scores) {
  NABLA_CHECK(scores.dim() == 4 && scores.size(1) >= 2, "vote_components",
              "expected (N, K, H, W) scores with K >= 2 classes, got ", shape_str(scores.shape()));
  const Tensor s = scores.to(DType::Float32).contiguous();
  const int64_t N = s.size(0), K = s.size(1), H = s.size(2), W = s.size(3);
  const std::vector<float> v = s.to_vector<float>();
  std::vector<int64_t> labels(static_cast<size_t>(N * H * W));
  for (int64_t n = 0; n < N; ++n) {
    const float* img = v.data() + n * K * H * W;
    int64_t* lab = labels.data() + n * H * W;
    for (int64_t i = 0; i < H * W; ++i) {
      int64_t best = 0;
      for (int64_t k = 1; k < K; ++k)
        if (img[k * H * W + i] > img[best * H * W + i]) best = k;
      lab[i] = best;
    }
    vote_image(img, K, H, W, lab);
  }
  return Tensor::from_vector(labels, {N, H, W});
}

}  // namespace nabla::vision
