// [data] -> the splits of a run, scaled for the model. The dataset itself comes from the
// datasets() table: one entry per `data.dataset`, the only list of them; hold-out, subsets and
// scaling are the same for every entry and live in load_experiment_data.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "nabla/core/registry.hpp"
#include "nabla/core/tensor.hpp"
#include "nabla/data/dataset.hpp"
#include "nabla/io/config.hpp"

namespace nabla::recipe {

// What a dataset entry yields: raw images (N, C, H, W) in [0, 1] and int64 labels in
// [0, num_classes), before scaling, hold-out and subsets.
struct DatasetSplits {
  data::TensorDataset train;
  data::TensorDataset test;
  int64_t num_classes = 0;
  std::vector<std::string> class_names;  // num_classes of them
};

// Builds the splits from the [data] table (reading only its own keys) and the run's seed.
using DatasetBuilder = std::function<DatasetSplits(const io::Config& data, uint64_t seed)>;

// The table (built-ins: fashion_mnist, synthetic). A user's dataset:
//   recipe::datasets().add("my_set", [](const io::Config& d, uint64_t seed) {...}, "...");
Registry<DatasetBuilder>& datasets();

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
