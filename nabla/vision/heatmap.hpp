// Class heatmaps from a convolutionalized classifier (notes §9-1): run it once over a whole
// scene, turn each score cell into class probabilities and spread them back over the pixels.
#pragma once
#include <cstdint>

#include "nabla/core/tensor.hpp"
#include "nabla/nn/container.hpp"
#include "nabla/ops/size2.hpp"

namespace nabla::vision {

// Where the score cells sit on the input: cell (i, j) is what the classifier says about the
// window of `window` pixels whose top-left corner is (i * stride.h, j * stride.w).
struct ScoreMapGeometry {
  Size2 window;  // the classifier's input size
  Size2 stride;  // the product of the strides of its convolutions and pools
};

// `fcn` from convolutionalize; `input_shape` the classifier's (C, H, W). nabla::Error for a
// layer whose stride it cannot tell (a transposed convolution, an adaptive pool, a container
// other than Sequential or Residual).
ScoreMapGeometry score_map_geometry(const nn::Sequential& fcn, const Shape& input_shape);

// nabla::Error unless a height x width scene holds at least one window.
void check_scene_size(const ScoreMapGeometry& g, int64_t height, int64_t width);

// softmax over the classes of fcn(scene) at every cell: (K, OH, OW), each cell summing to 1
// (as `nabla predict` turns one image's logits into probabilities). scene: (C, H, W) as the
// model expects it (already scaled). Runs in eval mode without grad; the model's modes are
// restored after.
Tensor class_scores(nn::Module& fcn, const Tensor& scene);

// (K, OH, OW) cell probabilities -> (K, height, width): each cell's value belongs to the centre
// of its window, pixels between centres are interpolated bilinearly, pixels beyond the outer
// centres take the outer value. Checks that OH x OW is the number of windows of `g` that fit.
Tensor upsample_scores(const Tensor& scores, const ScoreMapGeometry& g, int64_t height,
                       int64_t width);

// class_scores then upsample_scores to the scene's size: (K, H, W) probabilities.
Tensor class_heatmap(nn::Module& fcn, const Tensor& scene, const ScoreMapGeometry& g);

// Everything `nabla heatmap` and the run report draw from one scene: where the cells sit, their
// probabilities, and those spread over the pixels.
struct SceneHeatmap {
  ScoreMapGeometry geometry;
  Tensor scores;  // (K, OH, OW) cell probabilities
  Tensor heat;    // (K, H, W) pixel probabilities
};
// `fcn` from convolutionalize of a classifier of `input_shape` (C, H, W); `scene` (C, SH, SW),
// already scaled as the classifier's inputs. nabla::Error when the channels differ or the
// scene is smaller than one window.
SceneHeatmap scene_heatmap(nn::Sequential& fcn, const Shape& input_shape, const Tensor& scene);

}  // namespace nabla::vision
