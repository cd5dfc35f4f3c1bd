// Instance-consistent naming for semantic masks: a post-processing step after the FCN.
//
// A per-pixel classifier may call one garment's left half "Shirt" and its right half "Coat";
// a garment has one name. Every 8-connected region of non-background pixels of the predicted
// mask therefore takes the class with the largest summed probability over its pixels (the
// background decision of each pixel is kept). What it costs: two touching garments of
// different classes form one region and the smaller loses its name. `nabla segment eval
// --vote` scores both, so the gain and the cost are measured, not assumed.
#pragma once
#include "nabla/core/tensor.hpp"

namespace nabla::vision {

// scores: (N, K, H, W) class scores (logits) of K >= 2 classes, class 0 the background.
// Returns (N, H, W) int64: argmax per pixel, then one class per foreground region as above.
Tensor vote_components(const Tensor& scores);

}  // namespace nabla::vision
