// `nabla report` on the vision runs through the real program: a tiny segmentation run's page
// (IoU table, confusion matrix, scene / true mask / predicted mask triples), the classification
// report's convolutionalized heatmap section on a small LeNet-like Fashion-MNIST run, and the
// reason it gives instead for a graph model; the errors for broken segmentation run folders.
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "nabla/data/fashion_mnist.hpp"

namespace nabla::test {
namespace {

int count_of(const std::string& s, const std::string& needle) {
  int n = 0;
  for (size_t at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) ++n;
  return n;
}

// The number printed in the first <td> after `label` (html::num's "%.4f"-style text).
double number_after(const std::string& html, const std::string& label) {
  const size_t at = html.find(label);
  if (at == std::string::npos) return NAN;
  const size_t td = html.find("<td", at);
  if (td == std::string::npos) return NAN;
  const size_t begin = html.find('>', td) + 1;
  try {
    return std::stod(html.substr(begin, html.find('<', begin) - begin));
  } catch (const std::exception&) {
    return NAN;  // "&ndash;" or other text: not a number
  }
}

constexpr const char* kDataUri = "src=\"data:image/png;base64,";

TEST(CliReportVision, SegmentationRunGetsItsOwnPage) {
  if (!data::FashionMnist::available()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  CliSandbox box;
  box.write("s.toml", tiny_segment_config());
  ASSERT_EQ(box.run("segment train s.toml --out run --epochs 1 --threads 1").code, 0);
  CliResult r = box.run("report run --samples 3");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("report.html"), std::string::npos) << r.out;
  const std::string html = slurp(box.dir() / "run/report.html");
  for (const char* s : {"IoU per class", "pixels in truth", "Pixel confusion matrix", "background",
                        "Ankle boot", "true mask", "predicted mask", "Training curves"})
    EXPECT_NE(html.find(s), std::string::npos) << s;
  EXPECT_EQ(count_of(html, kDataUri), 3 * 3) << "scene, true mask, predicted mask per scene";
  EXPECT_GE(count_of(html, "<svg"), 1) << "the loss curves";
  EXPECT_EQ(html.find("Worst mistakes"), std::string::npos) << "not the classification page";
  // 12 rows of IoU table: the header and 11 classes, then mean IoU and pixel accuracy
  EXPECT_EQ(count_of(html.substr(html.find("<table class=\"iou\"")), "<span class=\"swatch\""),
            11 + 1 + 10)
      << "11 rows in the IoU table, then the legend's background and 10 classes";
  // the page re-evaluates the same test scenes with the same weights: training's figures
  const auto summary = nlohmann::json::parse(slurp(box.dir() / "run/summary.json"));
  EXPECT_NEAR(number_after(html, "<th>mean IoU</th>"), summary.at("test_mean_iou").get<double>(),
              1e-4);
  EXPECT_NEAR(number_after(html, "<th>pixel accuracy</th>"),
              summary.at("test_pixel_accuracy").get<double>(), 1e-4);
  // default: 8 scenes, here all 4 test scenes
  ASSERT_EQ(box.run("report run --out r.html").code, 0);
  EXPECT_EQ(count_of(slurp(box.dir() / "r.html"), kDataUri), 4 * 3);
}

TEST(CliReportVision, BrokenSegmentationRunsAreClearErrors) {
  CliSandbox box;
  std::filesystem::create_directories(box.dir() / "run");
  box.write("run/segment.json", "{\"task\": \"segmentation\", \"size\": 32}\n");
  box.write("run/config.toml", tiny_segment_config());
  CliResult none = box.run("report run");
  EXPECT_EQ(none.code, 4) << none.err;
  EXPECT_NE(none.err.find("has no weights yet"), std::string::npos) << none.err;
  box.write("run/segment.json", "{\"task\": ");
  CliResult corrupt = box.run("report run");
  EXPECT_EQ(corrupt.code, 4) << corrupt.err;
  EXPECT_NE(corrupt.err.find("corrupt segmentation run info"), std::string::npos) << corrupt.err;
  EXPECT_FALSE(std::filesystem::exists(box.dir() / "run/report.html"));
}

// A LeNet-like classifier on 256 Fashion-MNIST images: 28 -> conv 5x5 -> 24 -> pool -> 12.
std::string small_lenet_config() {
  return R"(seed = 1
[data]
dataset = "fashion_mnist"
train_subset = 256
test_subset = 64
[model]
name = "small_lenet"
layers = [
  { type = "conv2d", out = 4, kernel = 5 }, { type = "relu" }, { type = "maxpool2d", kernel = 2 },
  { type = "flatten" }, { type = "linear", out = 16 }, { type = "relu" },
  { type = "linear", out = 10 },
]
[optimizer]
name = "adam"
lr = 0.01
[train]
epochs = 1
batch_size = 64
)";
}

TEST(CliReportVision, ClassifierReportShowsTheConvolutionalizedHeatmap) {
  if (!data::FashionMnist::available()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  CliSandbox box;
  box.write("c.toml", small_lenet_config());
  ASSERT_EQ(box.run("train c.toml --out run --threads 1").code, 0);
  CliResult r = box.run("report run --samples 4");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string html = slurp(box.dir() / "run/report.html");
  const size_t at = html.find("<h2>Convolutionalized: class heatmap</h2>");
  ASSERT_NE(at, std::string::npos);
  const std::string section = html.substr(at, html.find("<h2>", at + 4) - at);
  EXPECT_EQ(section.find("No heatmap"), std::string::npos) << section.substr(0, 600);
  const double diff = number_after(section, "max |dense &minus; convolutionalized|");
  EXPECT_TRUE(std::isfinite(diff) && diff < 1e-4) << diff;
  EXPECT_NE(section.find("8 test images 28x28"), std::string::npos);
  const double dense = number_after(section, "parameters: dense classifier");
  EXPECT_EQ(dense, 4 * 25 + 4 + 4 * 12 * 12 * 16 + 16 + 16 * 10 + 10);
  EXPECT_EQ(number_after(section, "parameters: convolutionalized"), dense);
  // 112 px scene, 28 px windows at stride 2 (one 2x2 pool): (112 - 28) / 2 + 1 = 43 cells a side
  EXPECT_NE(section.find("Scene 112x112"), std::string::npos);
  EXPECT_NE(section.find("43x43 score cells"), std::string::npos) << section.substr(0, 900);
  EXPECT_EQ(count_of(section, kDataUri), 3) << "scene, true items, heatmap overlay";
  EXPECT_EQ(count_of(section, "<span class=\"swatch\""), 10) << "the legend";
}

TEST(CliReportVision, GraphModelReportSaysWhyThereIsNoHeatmap) {
  CliSandbox box;
  std::string cfg = tiny_config(1);
  const std::string plain =
      "{ type = \"linear\", out = 16 }, { type = \"relu\" }, { type = \"dropout\", p = 0.1 }, ";
  ASSERT_NE(cfg.find(plain), std::string::npos);
  cfg.replace(cfg.find(plain), plain.size(),
              "{ name = \"a\", type = \"linear\", out = 16 }, { name = \"b\", type = \"relu\" }, "
              "{ name = \"s\", type = \"add\", inputs = [\"a\", \"b\"] }, ");
  box.write("g.toml", cfg);
  ASSERT_EQ(box.run("train g.toml --out run --threads 1").code, 0);
  CliResult r = box.run("report run");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string html = slurp(box.dir() / "run/report.html");
  EXPECT_NE(html.find("<h2>Convolutionalized: class heatmap</h2>\n<p class=\"absent\">No "
                      "heatmap: convolutionalize: the model is a graph (named nodes with inputs)"),
            std::string::npos)
      << html.substr(html.find("Convolutionalized"), 400);
  EXPECT_NE(html.find("Worst mistakes"), std::string::npos) << "the rest of the report is there";
}

}  // namespace
}  // namespace nabla::test
