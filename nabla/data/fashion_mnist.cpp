#include "nabla/data/fashion_mnist.hpp"

#include <sys/stat.h>

#include "nabla/data/idx.hpp"

namespace nabla::data {
namespace {

bool file_exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Prefers the .gz Debian ships, falls back to an uncompressed copy.
std::string find_file(const std::string& dir, const std::string& stem) {
  const std::string base = dir + "/" + stem;
  if (file_exists(base + ".gz")) return base + ".gz";
  if (file_exists(base)) return base;
  throw IoError("Fashion-MNIST not found: missing " + base +
                ".gz (install Debian package "
                "dataset-fashion-mnist, or pass the directory that holds the IDX files)");
}

}  // namespace

TensorDataset load_idx_pair(const std::string& images_path, const std::string& labels_path,
                            int64_t num_classes) {
  const IdxArray images = read_idx(images_path);
  const IdxArray labels = read_idx(labels_path);
  if (images.type != IdxType::UInt8 || images.shape.size() != 3)
    throw IoError("IDX file '" + images_path + "': expected uint8 images (N, H, W), got " +
                  idx_type_name(images.type) + " " + shape_str(images.shape));
  if (labels.type != IdxType::UInt8 || labels.shape.size() != 1)
    throw IoError("IDX file '" + labels_path + "': expected uint8 labels (N), got " +
                  idx_type_name(labels.type) + " " + shape_str(labels.shape));
  if (images.shape[0] != labels.shape[0])
    throw IoError("IDX files '" + images_path + "' and '" + labels_path +
                  "' disagree: " + std::to_string(images.shape[0]) + " images but " +
                  std::to_string(labels.shape[0]) + " labels");

  const int64_t n = images.shape[0], h = images.shape[1], w = images.shape[2];
  Tensor x = Tensor::empty({n, 1, h, w}, DType::Float32);
  float* px = x.data<float>();
  const size_t count = images.bytes.size();
  // Divide (not multiply by 1/255): the same correctly rounded value as PyTorch/torchvision get.
  for (size_t i = 0; i < count; ++i) px[i] = static_cast<float>(images.bytes[i]) / 255.0f;

  Tensor y = Tensor::empty({n}, DType::Int64);
  int64_t* py = y.data<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    py[i] = labels.bytes[static_cast<size_t>(i)];
    if (py[i] >= num_classes)
      throw IoError("IDX file '" + labels_path + "': label " + std::to_string(py[i]) +
                    " of sample " + std::to_string(i) + " is outside [0, " +
                    std::to_string(num_classes) + ")");
  }
  return TensorDataset(x, y);
}

TrainTestSplit FashionMnist::load(const std::string& dir) {
  TrainTestSplit s;
  s.train = load_idx_pair(find_file(dir, "train-images-idx3-ubyte"),
                          find_file(dir, "train-labels-idx1-ubyte"), kNumClasses);
  const std::string test_images = find_file(dir, "t10k-images-idx3-ubyte");
  s.test = load_test(dir);
  // Both splits feed one model: a different image size is a broken dataset folder, reported
  // now rather than at the first evaluation after an epoch of training.
  const Shape train_shape = s.train.sample_shape(), test_shape = s.test.sample_shape();
  if (train_shape != test_shape)
    throw IoError("Fashion-MNIST in " + dir + ": the training images are " +
                  std::to_string(train_shape[1]) + "x" + std::to_string(train_shape[2]) +
                  " but the test images (" + test_images + ") are " +
                  std::to_string(test_shape[1]) + "x" + std::to_string(test_shape[2]) +
                  "; every split must have the same image size");
  return s;
}

TensorDataset FashionMnist::load_test(const std::string& dir) {
  return load_idx_pair(find_file(dir, "t10k-images-idx3-ubyte"),
                       find_file(dir, "t10k-labels-idx1-ubyte"), kNumClasses);
}

bool FashionMnist::available(const std::string& dir) {
  for (const char* stem : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    const std::string base = dir + "/" + stem;
    if (!file_exists(base + ".gz") && !file_exists(base)) return false;
  }
  return true;
}

const std::array<std::string, 10>& FashionMnist::class_names() {
  static const std::array<std::string, 10> names = {
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

}  // namespace nabla::data
