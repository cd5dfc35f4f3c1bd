// ONNX between nabla and the outside, through the real program:
// - a LeNet exported by PyTorch (tests/fixtures/onnx_torch/lenet, scripts/fixtures/
//   onnx_torch_models.py) fine-tuned for one epoch by `nabla train` ([model] onnx = "..."),
//   then evaluated from its run folder and exported back to ONNX;
// - the default model trained briefly, `nabla export`ed, checked by ONNX's own Python checker
//   (Debian's python3-onnx; skipped, saying so, where it is missing) and re-imported with the
//   same outputs within 1e-5.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli_runner.hpp"
#ifdef NABLA_HAVE_ONNX
#include <nlohmann/json.hpp>

#include "nabla/data/fashion_mnist.hpp"
#include "nabla/onnx/onnx.hpp"
#include "nabla/ops/ops.hpp"
#include "nabla/recipe/imported_model.hpp"
#include "nabla/recipe/run.hpp"
#endif

namespace nabla::test {
namespace {

namespace fs = std::filesystem;

#ifndef NABLA_HAVE_ONNX

TEST(CliOnnxInterop, AnImportedModelConfigSaysItNeedsOnnx) {
  CliSandbox box;
  box.write("m.toml",
            "[data]\ndataset = \"synthetic\"\n[model]\nonnx = \"m.onnx\"\n[train]\nepochs = 1\n");
  CliResult r = box.run("train m.toml --out run");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("built without ONNX support"), std::string::npos) << r.err;
}

#else

const std::string kLenet = std::string(NABLA_FIXTURES) + "/onnx_torch/lenet/model.onnx";

std::string fine_tune_config(const std::string& onnx_path) {
  return "seed = 0\n[data]\ndataset = \"fashion_mnist\"\nvalidation = \"test\"\nscale = \"unit\"\n"
         "train_subset = 4096\ntest_subset = 1000\n"
         "[model]\nname = \"torch-lenet\"\nonnx = \"" +
         onnx_path +
         "\"\n[optimizer]\nname = \"adam\"\nlr = 2e-3\n"
         "[train]\nepochs = 1\nbatch_size = 64\n";
}

TEST(CliOnnxInterop, ImportedPyTorchLeNetFineTunesForOneEpoch) {
  if (!data::FashionMnist::available())
    GTEST_SKIP() << "Fashion-MNIST is not installed (dataset-fashion-mnist)";
  CliSandbox box;
  box.write("ft.toml", fine_tune_config(kLenet));
  CliResult r = box.run("train ft.toml --out run --threads 1");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("training torch-lenet (61706 parameters)"), std::string::npos) << r.err;
  const auto summary = nlohmann::json::parse(slurp(box.dir() / "run/summary.json"));
  // PyTorch's untrained LeNet is at chance (10%); 64 Adam steps on 4096 images get well past it
  EXPECT_GT(summary.at("test_accuracy").get<double>(), 0.5) << summary.dump();
  std::cout << "fine-tuned test accuracy " << summary.at("test_accuracy") << "\n";
  // the run folder rebuilds the imported model and loads the fine-tuned weights into it
  CliResult ev = box.run("eval run");
  ASSERT_EQ(ev.code, 0) << ev.err;
  // in this process too, once it registers the loader the nabla program registers
  recipe::set_onnx_model_loader(
      [](const std::string& p) -> std::shared_ptr<nn::Module> { return onnx::OnnxModel::load(p); });
  const auto run = recipe::load_run(box.path("run"));
  const auto original = onnx::OnnxModel::load(kLenet);
  const Tensor x = Tensor::rand({2, 1, 28, 28});
  run.net->eval();
  EXPECT_GT(max(abs((*run.net)(x) - (*original)(x))).item(), 1e-3)  // the weights moved
      << "the run's model computes what the untrained file does";
  // and exports back as its own graph with the fine-tuned weights
  CliResult ex = box.run("export run --onnx tuned.onnx");
  ASSERT_EQ(ex.code, 0) << ex.err;
  const auto tuned = onnx::OnnxModel::load(box.path("tuned.onnx"));
  EXPECT_LE(max(abs((*run.net)(x) - (*tuned)(x))).item(), 1e-6);
}

TEST(CliOnnxInterop, ImportedModelConfigErrorsNameTheProblem) {
  CliSandbox box;
  box.write("missing.toml", fine_tune_config("nowhere.onnx"));
  CliResult r = box.run("train missing.toml --out run");
  EXPECT_EQ(r.code, 4) << r.err;  // a missing file
  EXPECT_NE(r.err.find("nowhere.onnx"), std::string::npos) << r.err;
  // 10 classes expected, the model is fine; 4 classes of synthetic 28x28 data are not
  box.write("classes.toml",
            "[data]\ndataset = \"synthetic\"\nclasses = 4\nimage_size = 28\n"
            "[model]\nonnx = \"" +
                kLenet + "\"\n[train]\nepochs = 1\n");
  r = box.run("train classes.toml --out run2");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("gives [10] per sample but the data needs [4]"), std::string::npos) << r.err;
}

// The interpreter that has Debian's python3-onnx (a pyenv or venv python3 may not).
std::string python_with_onnx() {
  for (const char* py : {"/usr/bin/python3", "python3"})
    if (std::system(("'" + std::string(py) + "' -c 'import onnx' >/dev/null 2>&1").c_str()) == 0)
      return py;
  return "";
}

TEST(CliOnnxInterop, ExportedDefaultModelPassesOnnxCheckerAndReimportsIdentically) {
  if (!data::FashionMnist::available())
    GTEST_SKIP() << "Fashion-MNIST is not installed (dataset-fashion-mnist)";
  const std::string py = python_with_onnx();
  if (py.empty())
    GTEST_SKIP() << "python3 with the onnx module is missing (apt install python3-onnx)";
  CliSandbox box;
  ASSERT_EQ(box.run("train '" + std::string(NABLA_SOURCE_DIR) +
                    "/configs/default.toml' --out run --epochs 1 --threads 1"
                    " --set data.train_subset=2000 --set data.test_subset=500")
                .code,
            0);
  CliResult ex = box.run("export run --onnx cnn.onnx");
  ASSERT_EQ(ex.code, 0) << ex.err;
  // ONNX's reference checker, with full_check: shape inference over the whole graph too
  const std::string check = "cd '" + box.dir().string() + "' && '" + py +
                            "' -c 'import onnx; onnx.checker.check_model(onnx.load(\"cnn.onnx\"), "
                            "full_check=True)' > check.log 2>&1";
  EXPECT_EQ(std::system(check.c_str()), 0) << slurp(box.dir() / "check.log");
  const auto run = recipe::load_run(box.path("run"));
  run.net->eval();
  const auto back = onnx::OnnxModel::load(box.path("cnn.onnx"));
  const Tensor x = Tensor::rand({16, 1, 28, 28});
  const Tensor want = (*run.net)(x), got = (*back)(x);
  ASSERT_EQ(got.shape(), want.shape());
  EXPECT_LE(max(abs(got - want)).item(), 1e-5);
  EXPECT_GT(max(abs(want)).item(), 0.1);  // trained logits, not zeros
}

#endif

}  // namespace
}  // namespace nabla::test
