// Convolutionalization (notes §9-1): a classifier's dense head is a convolution whose kernel
// covers the whole feature map. "16x4x4 input, 10 outputs: 2560 parameters either way": a
// Linear(256, 10) after Flatten holds the same numbers as a Conv2d(16, 10, 4x4), and the
// Linears after it are 1x1 convolutions. The converted net computes the same scores on the
// training size and, on a larger image, slides the classifier over it in one pass: one score
// vector per window position (the step to fully convolutional networks).
#pragma once
#include "nabla/core/tensor.hpp"
#include "nabla/nn/container.hpp"

namespace nabla::vision {

// `classifier`: layers on images, then Flatten (start_dim 1), then Linear layers with
// activations (ReLU, LeakyReLU, Sigmoid, Tanh, Softmax/LogSoftmax over the classes), Dropout
// or BatchNorm1d between; Maxout counts as a Linear. `input_shape`: one sample, (C, H, W).
//
// Returns an nn::Sequential in which the first Linear after Flatten is a Conv2d whose kernel
// is the feature map's (h, w) (weight reshaped (out, C, h, w)), later Linears are 1x1 Conv2d,
// BatchNorm1d is BatchNorm2d, Softmax runs over dim 1 and Flatten is gone. Output (N, K, 1, 1)
// on an (N, C, H, W) input, equal to the classifier's (N, K) scores to float rounding;
// (N, K, OH, OW) on a larger one. Children keep their names ("7.weight" stays "7.weight").
//
// The layers before Flatten (and parameter-free ones after it) are SHARED with the classifier,
// as copying a Module shares them; the converted head layers hold copies of the weights.
// Same parameter count. nabla::Error naming the layer and what to change when the model
// cannot be converted (no Flatten, nothing dense after it, a layer that is not per-position,
// an adaptive pool whose fixed output size would stop the net from sliding, ...).
nn::Sequential convolutionalize(const nn::Sequential& classifier, const Shape& input_shape);

// The same for a model held as a Module (a run's net): nabla::Error saying why when it is not
// a layer list, e.g. an nn::Graph of named nodes, whose outputs have no single Flatten tail.
nn::Sequential convolutionalize_model(const nn::Module& classifier, const Shape& input_shape);

// max |classifier(x) - fcn(x)| over a batch of the classifier's own input size, (N, C, H, W):
// the proof that conversion kept the function, (N, K) scores against (N, K, 1, 1) maps. Both
// run in eval mode without grad (their modes are restored). nabla::Error when the shapes do not
// pair up (inputs of another size give score maps, not one vector per image).
double convolutionalized_difference(nn::Module& classifier, nn::Module& fcn, const Tensor& inputs);

// The feature map entering Flatten for one `input_shape` sample: (C, h, w) (the input itself
// when Flatten comes first). Runs the layers before Flatten once in eval mode, without grad.
Shape feature_shape_before_flatten(const nn::Sequential& classifier, const Shape& input_shape);

}  // namespace nabla::vision
