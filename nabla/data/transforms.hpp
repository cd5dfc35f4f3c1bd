// Batch transforms for image inputs x: (N, C, H, W) float32/float64 (also (N, D) for
// normalize and noise). Each returns a new tensor and draws all its randomness from the
// Generator it is given, so a seed fixes the augmentation (the DataLoader passes one per batch).
//
//   auto aug = data::transforms::Compose{data::transforms::RandomCrop(28, 2),
//                                        data::transforms::RandomHorizontalFlip(0.5),
//                                        data::transforms::Normalize({0.286}, {0.353})};
//   data::DataLoader loader(train, {.batch_size = 64}, aug);
//
// They are plain loops on purpose: they run on the loader's worker thread, and an OpenMP
// region there would compete with the trainer's threads for the same cores.
#pragma once
#include <functional>
#include <vector>

#include "nabla/core/tensor.hpp"

namespace nabla::data {

using Transform = std::function<Tensor(const Tensor&, Generator&)>;

namespace transforms {

// (x - mean[c]) / std[c] per channel (dim 1); one value applies to every channel.
Tensor normalize(const Tensor& x, const std::vector<double>& mean, const std::vector<double>& std);
// Zero-pads each image by `padding` on every side, then cuts a random (out_h, out_w) window,
// independently per sample.
Tensor random_crop(const Tensor& x, int64_t out_h, int64_t out_w, int64_t padding, Generator& gen);
// Mirrors each sample left-right with probability p.
Tensor random_hflip(const Tensor& x, double p, Generator& gen);
// x + N(0, std^2) noise on every element (input-noise regularisation).
Tensor gaussian_noise(const Tensor& x, double std, Generator& gen);

struct Normalize {
  Normalize(std::vector<double> mean, std::vector<double> std);
  Tensor operator()(const Tensor& x, Generator&) const { return normalize(x, mean_, std_); }
  std::vector<double> mean_, std_;
};

struct RandomCrop {
  // A size x size window after `padding` zeros on each side.
  RandomCrop(int64_t size, int64_t padding) : RandomCrop(size, size, padding) {}
  RandomCrop(int64_t h, int64_t w, int64_t padding);
  Tensor operator()(const Tensor& x, Generator& gen) const {
    return random_crop(x, h_, w_, padding_, gen);
  }
  int64_t h_, w_, padding_;
};

struct RandomHorizontalFlip {
  explicit RandomHorizontalFlip(double p = 0.5);
  Tensor operator()(const Tensor& x, Generator& gen) const { return random_hflip(x, p_, gen); }
  double p_;
};

struct GaussianNoise {
  explicit GaussianNoise(double std);
  Tensor operator()(const Tensor& x, Generator& gen) const { return gaussian_noise(x, std_, gen); }
  double std_;
};

// Applies transforms left to right with the same generator.
struct Compose {
  Compose(std::initializer_list<Transform> ts) : transforms_(ts) {}
  explicit Compose(std::vector<Transform> ts) : transforms_(std::move(ts)) {}
  Tensor operator()(const Tensor& x, Generator& gen) const;
  std::vector<Transform> transforms_;
};

}  // namespace transforms
}  // namespace nabla::data
