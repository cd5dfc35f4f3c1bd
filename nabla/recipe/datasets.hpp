// [data] -> the splits of a run (Fashion-MNIST, synthetic), scaled for the model.
#pragma once
#include <string>
#include <vector>

#include "nabla/core/tensor.hpp"
#include "nabla/data/dataset.hpp"
#include "nabla/io/config.hpp"

namespace nabla::recipe {

struct ExperimentData {
  data::TensorDataset train;
  data::TensorDataset val;  // a held-out part of train, or the test set (val_is_test)
  data::TensorDataset test;
  bool val_is_test = false;
  Shape input_shape;  // one sample, e.g. {1, 28, 28}
  int64_t num_classes = 0;
  std::vector<std::string> class_names;
  std::string scale = "unit";  // how raw [0, 1] pixels are mapped to model inputs
};

// Reads [data] (and `seed` for the hold-out split).
ExperimentData load_experiment_data(const io::Config& cfg);
// Maps [0, 1] images (N, C, H, W) to the model's input scale ("unit": unchanged, "standard":
// Fashion-MNIST mean/std). The same mapping applies to training data and to `nabla predict`.
Tensor apply_input_scale(const Tensor& images, const std::string& scale);

}  // namespace nabla::recipe
