// Graph models through the real program: configs/resnet_fashion.toml (residual `add`s) and
// configs/fcn_fashion.toml (conv_transpose2d + a skip `concat`) train for one epoch on tiny
// synthetic data, and `nabla summary` prints the layer table and totals.
#include <cmath>

#include "cli_runner.hpp"

namespace nabla::test {
namespace {

// The committed config on 64 synthetic 16x16 images (10 classes), one epoch, one thread.
std::string tiny_run(const std::string& config, const std::string& out) {
  return "train '" + std::string(NABLA_SOURCE_DIR) + "/configs/" + config + "' --out " + out +
         " --epochs 1 --threads 1 --set data.dataset=synthetic --set data.classes=10"
         " --set data.image_size=16 --set data.train_size=64 --set data.test_size=32"
         " --set train.batch_size=32";
}

// metrics.csv: a header and one row per epoch; the row's train_loss (column 2).
void expect_one_finite_epoch(const CliSandbox& box, const std::string& run) {
  const std::string csv = slurp(box.dir() / run / "metrics.csv");
  std::vector<std::string> lines;
  std::istringstream in(csv);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) lines.push_back(l);
  ASSERT_EQ(lines.size(), 2u) << csv;
  const std::string row = lines[1];
  const size_t a = row.find(','), b = row.find(',', a + 1);
  ASSERT_NE(b, std::string::npos) << row;
  const double loss = std::stod(row.substr(a + 1, b - a - 1));
  EXPECT_TRUE(std::isfinite(loss) && loss > 0) << row;
}

TEST(CliGraph, ResnetConfigPrintsItsSummaryAndTrains) {
  CliSandbox box;
  CliResult r = box.run(tiny_run("resnet_fashion.toml", "run"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("test accuracy"), std::string::npos) << r.out;
  for (const char* s : {"model resnet: input [1, 16, 16] per sample", "b2_proj     conv2d",
                        "b2_add      add                 b2_bn2, b2_proj_bn  [32, 4, 4]",
                        "total: 38,266 parameters (38,266 trainable)"})
    EXPECT_NE(r.err.find(s), std::string::npos) << s << "\n" << r.err;
  expect_one_finite_epoch(box, "run");
  // a graph run loads back by node name
  CliResult e = box.run("eval run");
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_NE(e.out.find("test accuracy"), std::string::npos) << e.out;
}

TEST(CliGraph, FcnConfigPrintsItsSummaryAndTrains) {
  CliSandbox box;
  CliResult r = box.run(tiny_run("fcn_fashion.toml", "run"));
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* s :
       {"up          conv_transpose2d    bottom      [16, 8, 8]",
        "skip        concat              up, enc2    [32, 8, 8]", "outputs: scores"})
    EXPECT_NE(r.err.find(s), std::string::npos) << s << "\n" << r.err;
  expect_one_finite_epoch(box, "run");
}

TEST(CliSummary, PrintsTheTableAndTotalsOnStdout) {
  CliSandbox box;
  box.write("lenet.toml",
            "[data]\ndataset = \"synthetic\"\nclasses = 10\nimage_size = 28\ntrain_size = 16\n"
            "test_size = 8\n[model]\nname = \"lenet\"\n");
  CliResult r = box.run("summary lenet.toml");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out.rfind("model lenet: input [1, 28, 28] per sample\nlayer  type", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("0      conv2d     [6, 28, 28]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("total: 61,706 parameters (61,706 trainable); 833,040 FLOPs per sample"),
            std::string::npos)
      << r.out;
  // --set reaches the model; a bad layer is the usual one-line error naming it
  CliResult wide = box.run("summary lenet.toml --set model.name=mlp");
  EXPECT_NE(wide.out.find("total: 235,146 parameters"), std::string::npos) << wide.out;
  CliResult bad = box.run("summary lenet.toml --set model.layers=[{type=\\\"linear\\\",out=10}]");
  EXPECT_EQ(bad.code, 1) << bad.err;
  EXPECT_EQ(bad.err_lines(), 1) << bad.err;
  EXPECT_NE(bad.err.find("model: layer 0 (linear): needs a flat input"), std::string::npos)
      << bad.err;
  EXPECT_EQ(box.run("summary").code, 2);  // the config is required
}

}  // namespace
}  // namespace nabla::test
