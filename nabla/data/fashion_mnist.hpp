// Fashion-MNIST (and MNIST, same format): 60000 training and 10000 test 28x28 grayscale
// images in 10 classes, read from the IDX files Debian's dataset-fashion-mnist installs.
#pragma once
#include <array>
#include <string>

#include "nabla/data/dataset.hpp"

namespace nabla::data {

struct TrainTestSplit {
  TensorDataset train;  // inputs float32 (N, 1, 28, 28) in [0, 1]; targets int64 (N) in [0, 10)
  TensorDataset test;
};

class FashionMnist {
 public:
  static constexpr const char* kDefaultDir = "/usr/share/datasets/fashion-mnist";
  static constexpr int64_t kNumClasses = 10;
  // Pixel mean and standard deviation of the training images in [0, 1] (the usual
  // normalisation constants; data.scale = "standard" maps x to (x - kMean) / kStd).
  static constexpr double kMean = 0.2860;
  static constexpr double kStd = 0.3530;

  // Reads {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] from `dir`. A missing file is an
  // IoError saying which package to install; a corrupt one names the file and the problem.
  static TrainTestSplit load(const std::string& dir = kDefaultDir);
  // The test split alone: scenes of test items (segmentation eval, reports) need no decoding of
  // the 60000 training images, which is most of load()'s time.
  static TensorDataset load_test(const std::string& dir = kDefaultDir);
  static bool available(const std::string& dir = kDefaultDir);
  static const std::array<std::string, 10>& class_names();
};

// One images/labels pair of IDX files (MNIST layout): images u8 (N, H, W) -> float32
// (N, 1, H, W) / 255, labels u8 (N) -> int64, each label checked against num_classes.
TensorDataset load_idx_pair(const std::string& images_path, const std::string& labels_path,
                            int64_t num_classes = 10);

}  // namespace nabla::data
