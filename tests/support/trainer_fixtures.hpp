// Shared helpers of the trainer tests: tiny synthetic data, a small model and a temp folder.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "nabla/data/dataset.hpp"
#include "nabla/data/synthetic.hpp"
#include "nabla/nn/nn.hpp"

namespace nabla::test {

// A fresh empty folder under the system temp dir, removed at scope exit.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("nabla_" + tag + "_" + std::string(info ? info->name() : "x") + "_" +
             std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string str() const { return path_.string(); }
  std::string operator/(const std::string& f) const { return (path_ / f).string(); }

 private:
  std::filesystem::path path_;
};

// 4 classes of 8x8 images: class templates + noise.
inline data::TensorDataset tiny_images(int64_t n, uint64_t seed, double noise = 0.5) {
  return data::make_synthetic_images(n, 4, 8, noise, seed, /*template_seed=*/99);
}

// conv + dropout + linear: exercises conv, dropout's RNG and an optimizer's state.
inline std::shared_ptr<nn::Sequential> tiny_net(uint64_t seed) {
  manual_seed(seed);
  auto net = std::make_shared<nn::Sequential>();
  net->push_back(nn::Conv2d(1, 4, 3, {.padding = 1}));
  net->push_back(nn::ReLU());
  net->push_back(nn::MaxPool2d(2));
  net->push_back(nn::Flatten());
  net->push_back(nn::Dropout(0.2));
  net->push_back(nn::Linear(64, 4));
  return net;
}

}  // namespace nabla::test
