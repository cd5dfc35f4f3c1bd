#include "nabla/recipe/datasets.hpp"

#include "nabla/data/fashion_mnist.hpp"
#include "nabla/data/split.hpp"
#include "nabla/data/synthetic.hpp"
#include "nabla/data/transforms.hpp"

namespace nabla::recipe {

namespace {

DatasetSplits fashion_mnist(const io::Config& d, uint64_t) {
  auto split = data::FashionMnist::load(d.get_string("root", data::FashionMnist::kDefaultDir));
  const auto& names = data::FashionMnist::class_names();
  return {split.train, split.test, data::FashionMnist::kNumClasses, {names.begin(), names.end()}};
}

DatasetSplits synthetic(const io::Config& d, uint64_t seed) {
  const int64_t classes = d.get_int("classes", 4), size = d.get_int("image_size", 12);
  const double noise = d.get_double("noise", 0.3);
  DatasetSplits s;
  // One template set for both splits (the task), separate noise streams (the samples).
  s.train = data::make_synthetic_images(d.get_int("train_size", 512), classes, size, noise,
                                        seed * 2 + 1, 12345);
  s.test = data::make_synthetic_images(d.get_int("test_size", 256), classes, size, noise,
                                       seed * 2 + 2, 12345);
  s.num_classes = classes;
  for (int64_t k = 0; k < classes; ++k) s.class_names.push_back("class " + std::to_string(k));
  return s;
}

// The entry's splits, checked: a user-registered dataset that breaks the contract should fail
// here, naming itself, not later inside the model builder or the confusion matrix.
DatasetSplits load_splits(const io::Config& d, uint64_t seed) {
  const std::string name = d.get_string("dataset", "fashion_mnist");
  DatasetSplits s = datasets().builder(name)(d, seed);
  const std::string where = "data.dataset = \"" + name + "\"";
  NABLA_CHECK(s.num_classes > 0, where.c_str(), "the dataset reports ", s.num_classes,
              " classes; a classifier needs at least one");
  NABLA_CHECK(static_cast<int64_t>(s.class_names.size()) == s.num_classes, where.c_str(),
              "the dataset names ", s.class_names.size(), " classes but reports ", s.num_classes);
  return s;
}

data::TensorDataset scaled(const data::TensorDataset& ds, const std::string& scale) {
  if (scale == "unit") return ds;
  data::Batch all = ds.all();
  return data::TensorDataset(apply_input_scale(all.inputs, scale), all.targets);
}

// data.validation: "test" (validate on the test set) or "holdout" (val_size samples of train).
void split_validation(const io::Config& d, uint64_t seed, data::TensorDataset& train,
                      ExperimentData& out) {
  const std::string validation = d.get_string("validation", "test");
  if (validation == "holdout") {
    const int64_t val_size = d.get_int("val_size", 5000);
    NABLA_CHECK(val_size > 0 && val_size < train.size(), "data.val_size", "must be in (0, ",
                train.size(), "), got ", val_size);
    auto [tr, va] = data::train_val_split(
        train, static_cast<double>(val_size) / static_cast<double>(train.size()), seed);
    train = tr;
    out.val = va;
  } else {
    NABLA_CHECK(validation == "test", "data.validation", "expected \"test\" or \"holdout\", got \"",
                validation, "\"");
    out.val_is_test = true;
  }
}

}  // namespace

Registry<DatasetBuilder>& datasets() {
  static Registry<DatasetBuilder> table(
      "dataset", "data.dataset",
      {
          {"fashion_mnist", fashion_mnist,
           "Fashion-MNIST: 60000 + 10000 28x28 grayscale images, 10 classes (Debian's "
           "dataset-fashion-mnist) (keys: root = \"/usr/share/datasets/fashion-mnist\")"},
          {"synthetic", synthetic,
           "noisy copies of one random template image per class, drawn from the seed (keys: "
           "classes = 4; image_size = 12; train_size = 512; test_size = 256; noise = 0.3)"},
      });
  return table;
}

Tensor apply_input_scale(const Tensor& images, const std::string& scale) {
  if (scale == "unit") return images;
  NABLA_CHECK(scale == "standard", "data.scale", "expected \"unit\" or \"standard\", got \"", scale,
              "\"");
  return data::transforms::normalize(images, {data::FashionMnist::kMean},
                                     {data::FashionMnist::kStd});
}

ExperimentData load_experiment_data(const io::Config& cfg) {
  const io::Config d = cfg.get_table("data");
  const uint64_t seed = static_cast<uint64_t>(cfg.get_int("seed", 0));
  ExperimentData out;
  DatasetSplits splits = load_splits(d, seed);
  data::TensorDataset train = splits.train, test = splits.test;
  out.num_classes = splits.num_classes;
  out.class_names = std::move(splits.class_names);
  out.scale = d.get_string("scale", "unit");
  apply_input_scale(Tensor::zeros({1, 1, 1, 1}), out.scale);  // validates the name early

  split_validation(d, seed, train, out);
  const int64_t train_subset = d.get_int("train_subset", 0);
  const int64_t test_subset = d.get_int("test_subset", 0);
  NABLA_CHECK(train_subset >= 0 && test_subset >= 0, "data",
              "train_subset and test_subset must be >= 0");
  if (train_subset > 0) train = train.take(train_subset);
  if (test_subset > 0) test = test.take(test_subset);

  out.train = scaled(train, out.scale);
  out.test = scaled(test, out.scale);
  out.val = out.val_is_test ? out.test : scaled(out.val, out.scale);
  out.input_shape = out.train.sample_shape();
  // Checked at load, before any training: a test set of another image size would otherwise
  // fail only at the first evaluation, after a whole epoch.
  for (const auto* split : {&out.val, &out.test}) {
    const char* name = split == &out.test ? "test" : "validation";
    NABLA_CHECK(split->sample_shape() == out.input_shape, "data", "the ", name, " samples are ",
                shape_str(split->sample_shape()), " but the training samples are ",
                shape_str(out.input_shape), "; every split must have the same shape");
  }
  return out;
}

}  // namespace nabla::recipe
