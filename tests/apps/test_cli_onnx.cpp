// ONNX through the library and the real program: the config models (LeNet, the default CNN,
// configs/resnet_fashion.toml, configs/fcn_fashion.toml) export, pass onnx::checker and
// re-import with the same outputs; `nabla export` writes a trained run's model; `nabla onnx-run`
// reproduces a backend test's output file; `nabla onnx-test` prints PASS/FAIL/UNSUPPORTED lines,
// the summary, and exits 1 on a wrong answer.
#include <filesystem>

#include "cli_runner.hpp"
#ifdef NABLA_HAVE_ONNX  // the onnx layer is built only where libonnx-dev is installed
#include "nabla/io/config.hpp"
#include "nabla/onnx/onnx.hpp"
#include "nabla/ops/ops.hpp"
#include "nabla/recipe/model_config.hpp"
#endif

namespace nabla::test {
namespace {

#ifndef NABLA_HAVE_ONNX

TEST(CliOnnx, CommandsSayTheyNeedOnnx) {
  CliSandbox box;
  CliResult r = box.run("onnx-test x");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("without ONNX support"), std::string::npos) << r.err;
}

#else

namespace fs = std::filesystem;
const fs::path kNode = "/usr/share/libonnx-testdata/data/node";

void expect_config_model_round_trips(const io::Config& model_cfg) {
  auto net = recipe::model_from_config(model_cfg, {1, 28, 28}, 10);
  net->eval();
  const auto proto = onnx::export_model(*net, {1, 28, 28});
  ASSERT_NO_THROW(onnx::check_model(proto));
  onnx::OnnxModel back(proto);
  Generator gen(11);
  const Tensor x = Tensor::randn({3, 1, 28, 28}, DType::Float32, &gen);
  const auto want = (*net)(x).to_vector<float>(), got = back(x).to_vector<float>();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4) << i;
}

TEST(Onnx, ConfigModelsExportCheckAndReimportIdentically) {
  expect_config_model_round_trips(io::parse_config("name = \"lenet\""));
  expect_config_model_round_trips(io::parse_config("name = \"cnn\""));
  for (const char* f : {"resnet_fashion.toml", "fcn_fashion.toml"})
    expect_config_model_round_trips(
        io::load_config(std::string(NABLA_SOURCE_DIR) + "/configs/" + f).get_table("model"));
}

TEST(CliOnnx, ExportWritesACheckedModelOfATrainedRun) {
  CliSandbox box;
  ASSERT_EQ(box.run("train '" + std::string(NABLA_SOURCE_DIR) +
                    "/configs/fcn_fashion.toml' --out run --epochs 1 --threads 1"
                    " --set data.dataset=synthetic --set data.classes=10 --set data.image_size=16"
                    " --set data.train_size=32 --set data.test_size=16 --set train.batch_size=32")
                .code,
            0);
  CliResult r = box.run("export run --onnx fcn.onnx");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("onnx checker: ok"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" ops, "), std::string::npos) << r.out;
  onnx::OnnxModel m(onnx::load_model_proto(box.path("fcn.onnx")));
  EXPECT_EQ(m(Tensor::zeros({2, 1, 16, 16})).shape(), (Shape{2, 10}));
  EXPECT_EQ(box.run("export nowhere --onnx x.onnx").code, 4);  // not a run folder
}

TEST(CliOnnx, OnnxRunReproducesABackendTestOutput) {
  const fs::path c = kNode / "test_conv_with_strides_padding";
  if (!fs::is_directory(c)) GTEST_SKIP() << "libonnx-testdata is not installed";
  CliSandbox box;
  const fs::path set = c / "test_data_set_0";
  CliResult r = box.run("onnx-run '" + (c / "model.onnx").string() + "' --input x='" +
                        (set / "input_0.pb").string() + "' --input W='" +
                        (set / "input_1.pb").string() + "' --output-dir out");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("output 0 'y': float32 [1, 1, 4, 3]"), std::string::npos) << r.out;
  const auto got = onnx::load_tensor_pb(box.path("out/output_0.pb")).to_vector<float>();
  EXPECT_EQ(got, onnx::load_tensor_pb((set / "output_0.pb").string()).to_vector<float>());
  EXPECT_EQ(box.run("onnx-run '" + (c / "model.onnx").string() + "'").code, 2);  // inputs missing
}

TEST(CliOnnx, OnnxTestCountsPassFailAndUnsupported) {
  if (!fs::is_directory(kNode)) GTEST_SKIP() << "libonnx-testdata is not installed";
  CliSandbox box;
  // a copy of a passing case with a wrong expected output
  fs::copy(kNode / "test_relu", box.dir() / "test_relu_wrong", fs::copy_options::recursive);
  const auto out = box.dir() / "test_relu_wrong/test_data_set_0/output_0.pb";
  fs::permissions(out, fs::perms::owner_write, fs::perm_options::add);
  onnx::save_tensor_pb(onnx::load_tensor_pb(out.string()) + 1.0, out.string());
  const std::string cases =
      "'" + (kNode / "test_relu").string() + "' '" + (kNode / "test_loop11").string() + "'";
  CliResult ok = box.run("onnx-test " + cases);
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_NE(ok.out.find("PASS test_relu"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("UNSUPPORTED test_loop11: onnx: Loop node"), std::string::npos);
  EXPECT_NE(ok.out.find("onnx-test: 1 passed, 0 failed, 1 skipped"), std::string::npos);
  CliResult bad = box.run("onnx-test " + cases + " test_relu_wrong");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("FAIL test_relu_wrong: max abs error 1"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("onnx-test: 1 passed, 1 failed, 1 skipped"), std::string::npos);
}

#endif

}  // namespace
}  // namespace nabla::test
