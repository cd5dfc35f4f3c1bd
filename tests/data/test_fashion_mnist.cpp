#include <gtest/gtest.h>

#include <algorithm>

#include "nabla/data/fashion_mnist.hpp"
#include "nabla/data/idx.hpp"
#include "temp_dir.hpp"

using namespace nabla;
using namespace nabla::data;

namespace {

void write_split(const test::TempDir& dir, const std::string& prefix, int64_t n, int label_max) {
  IdxArray img;
  img.type = IdxType::UInt8;
  img.shape = {n, 28, 28};
  img.bytes.resize(static_cast<size_t>(n * 28 * 28));
  for (size_t i = 0; i < img.bytes.size(); ++i) img.bytes[i] = static_cast<uint8_t>(i % 256);
  IdxArray lab;
  lab.type = IdxType::UInt8;
  lab.shape = {n};
  for (int64_t i = 0; i < n; ++i) lab.bytes.push_back(static_cast<uint8_t>(i % (label_max + 1)));
  write_idx(dir.file(prefix + "-images-idx3-ubyte.gz"), img);
  write_idx(dir.file(prefix + "-labels-idx1-ubyte.gz"), lab);
}

}  // namespace

TEST(FashionMnist, LoadsASmallCopyInTheSameLayout) {
  test::TempDir dir;
  write_split(dir, "train", 12, 9);
  write_split(dir, "t10k", 5, 9);
  const TrainTestSplit d = FashionMnist::load(dir.file(""));
  EXPECT_EQ(d.train.size(), 12);
  EXPECT_EQ(d.test.size(), 5);
  EXPECT_EQ(d.train.inputs().shape(), (Shape{12, 1, 28, 28}));
  EXPECT_EQ(d.train.inputs().dtype(), DType::Float32);
  EXPECT_EQ(d.train.targets().dtype(), DType::Int64);
  EXPECT_FLOAT_EQ(static_cast<float>(d.train.inputs().at({0, 0, 9, 3})), 1.0f);
  EXPECT_FLOAT_EQ(static_cast<float>(d.train.inputs().at({0, 0, 1, 23})), 0.2f);
  EXPECT_EQ(d.test.targets().at({4}), 4);
  const TensorDataset test = FashionMnist::load_test(dir.file(""));
  EXPECT_EQ(test.inputs().to_vector<float>(), d.test.inputs().to_vector<float>());
  EXPECT_EQ(test.targets().to_vector<int64_t>(), d.test.targets().to_vector<int64_t>());
}

TEST(FashionMnist, MissingDataSaysWhatToInstall) {
  try {
    FashionMnist::load("/nonexistent/fashion");
    FAIL();
  } catch (const IoError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("install Debian package dataset-fashion-mnist"), std::string::npos) << msg;
    EXPECT_NE(msg.find("/nonexistent/fashion"), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "one line: " << msg;
  }
  EXPECT_FALSE(FashionMnist::available("/nonexistent/fashion"));
}

TEST(FashionMnist, RejectsOutOfRangeLabelsAndCountMismatch) {
  test::TempDir dir;
  write_split(dir, "train", 12, 10);  // label 10 is outside [0, 10)
  write_split(dir, "t10k", 5, 9);
  EXPECT_THROW(FashionMnist::load(dir.file("")), IoError);

  write_split(dir, "train", 12, 9);
  IdxArray lab;
  lab.type = IdxType::UInt8;
  lab.shape = {11};
  lab.bytes.assign(11, 0);
  write_idx(dir.file("train-labels-idx1-ubyte.gz"), lab);
  try {
    FashionMnist::load(dir.file(""));
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("12 images but 11 labels"), std::string::npos) << e.what();
  }
}

TEST(FashionMnist, RealFilesWhenInstalled) {
  if (!FashionMnist::available()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  const TrainTestSplit d = FashionMnist::load();
  ASSERT_EQ(d.train.size(), 60000);
  ASSERT_EQ(d.test.size(), 10000);
  EXPECT_EQ(d.train.inputs().shape(), (Shape{60000, 1, 28, 28}));
  for (const TensorDataset* ds : {&d.train, &d.test}) {
    const std::vector<int64_t> y = ds->targets().to_vector<int64_t>();
    std::vector<int64_t> counts(10, 0);
    for (int64_t v : y) {
      ASSERT_GE(v, 0);
      ASSERT_LT(v, 10);
      ++counts[static_cast<size_t>(v)];
    }
    // Fashion-MNIST is balanced: 6000 / 1000 per class.
    for (int64_t c : counts) EXPECT_EQ(c, ds->size() / 10);
    const float* x = ds->inputs().data<float>();
    const auto [lo, hi] = std::minmax_element(x, x + ds->inputs().numel());
    EXPECT_EQ(*lo, 0.0f);
    EXPECT_EQ(*hi, 1.0f);
  }
  EXPECT_EQ(FashionMnist::class_names()[9], "Ankle boot");
}
