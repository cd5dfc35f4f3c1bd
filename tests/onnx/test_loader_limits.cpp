// The loader against hostile files: external data read only from inside the model's folder and
// only as many bytes as the file and the shape allow; counts past the caps refused before the
// graph is walked. (fuzz/fuzz_onnx.cpp throws random bytes at the same code.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "nabla/onnx/model.hpp"
#include "nabla/onnx/tensor_io.hpp"
#include "onnx_builders.hpp"

namespace nabla::onnx {
namespace {

namespace fs = std::filesystem;
using test::model;
using test::node;

class ExternalData : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("nabla_onnx_ext_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "model");
    const float w[2] = {1.5f, -2.f};
    std::ofstream(root_ / "model/w.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(w), sizeof w);
    std::ofstream(root_ / "outside.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(w), sizeof w);
  }
  void TearDown() override { fs::remove_all(root_); }

  // y = x + w, w external at `location` (offset 0, `length` bytes unless -1)
  std::string save(const std::string& location, int64_t length = 8) const {
    auto m = model(13, {"x"}, {"y"});
    auto& t = *m.mutable_graph()->add_initializer();
    t.set_name("w");
    t.set_data_type(::onnx::TensorProto::FLOAT);
    t.add_dims(2);
    t.set_data_location(::onnx::TensorProto::EXTERNAL);
    auto add = [&](const std::string& k, const std::string& v) {
      auto* e = t.add_external_data();
      e->set_key(k);
      e->set_value(v);
    };
    add("location", location);
    if (length >= 0) add("length", std::to_string(length));
    node(m, "Add", {"x", "w"}, {"y"});
    const std::string path = (root_ / "model/model.onnx").string();
    save_model_proto(m, path);
    return path;
  }

  std::string error_of(const std::string& path) const {
    try {
      OnnxModel::load(path);
    } catch (const IoError& e) {
      return e.what();
    }
    return "";
  }

  fs::path root_;
};

TEST_F(ExternalData, IsReadFromTheModelsFolder) {
  const auto m = OnnxModel::load(save("w.bin"));
  EXPECT_EQ((*m)(Tensor::zeros({2})).to_vector<float>(), (std::vector<float>{1.5f, -2.f}));
  EXPECT_EQ(m->num_parameters(), 2);  // a trainable initializer like any other
}

TEST_F(ExternalData, PathsOutOfTheFolderAreRefused) {
  for (const std::string& loc :
       std::vector<std::string>{"../outside.bin", "/etc/passwd", (root_ / "outside.bin").string()})
    EXPECT_NE(error_of(save(loc)).find("is not a path inside the model's folder"),
              std::string::npos)
        << loc;
  fs::create_symlink(root_ / "outside.bin", root_ / "model/link.bin");
  EXPECT_NE(error_of(save("link.bin")).find("leads out of the model's folder"), std::string::npos);
}

TEST_F(ExternalData, RangesPastTheFileOrTheShapeAreRefused) {
  EXPECT_NE(error_of(save("w.bin", 4)).find("4 bytes, the shape needs 8"), std::string::npos);
  EXPECT_NE(error_of(save("w.bin", 1 << 30)).find("is past the end of"), std::string::npos);
  EXPECT_NE(error_of(save("missing.bin")).find("is not a file"), std::string::npos);
}

TEST(OnnxLoaderLimits, CountsPastTheCapsAreErrorsNamingThem) {
  auto m = model(13, {"x"}, {"y"});
  auto& sum = node(m, "Sum", {}, {"y"});
  for (int i = 0; i < (1 << 16) + 1; ++i) sum.add_input("x");
  try {
    OnnxModel{m};
    FAIL() << "65537 inputs on one node were accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("65537 inputs on the Sum node"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace nabla::onnx
