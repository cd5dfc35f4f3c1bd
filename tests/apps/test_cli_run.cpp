// `nabla` end to end on tiny synthetic data: train, Ctrl-C-style stop + --resume, eval,
// predict, cv, ensemble, demo, and report.html rendered by headless Chromium.
#include <cmath>

#include "cli_runner.hpp"
#include "nabla/data/image.hpp"
#include "nabla/data/synthetic.hpp"
#include "nabla/io/safetensors.hpp"
#include "nabla/recipe/experiment.hpp"

namespace nabla::test {
namespace {

TEST(CliRun, StopThenResumeGivesTheSameWeightsAsOneRun) {
  CliSandbox box;
  box.write("c.toml", tiny_config(3));
  ASSERT_EQ(box.run("train c.toml --out straight --threads 1").code, 0);
  // 192 / 16 = 12 steps per epoch: stop in the middle of epoch 2, as Ctrl-C would
  CliResult stopped = box.run("train c.toml --out resumed --threads 1 --max-steps 17");
  EXPECT_EQ(stopped.code, 130) << stopped.err;
  EXPECT_NE(stopped.err.find("--resume"), std::string::npos) << stopped.err;
  CliResult resumed = box.run("train c.toml --out resumed --threads 1 --resume");
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  auto a = io::load_safetensors(box.path("straight/model.safetensors"));
  auto b = io::load_safetensors(box.path("resumed/model.safetensors"));
  ASSERT_EQ(a.size(), b.size());
  for (auto& [k, t] : a) EXPECT_EQ(t.to_vector<float>(), b.at(k).to_vector<float>()) << k;
  EXPECT_EQ(slurp(box.dir() / "straight/metrics.csv").substr(0, 200).find("epoch,train_loss"), 0u);
}

TEST(CliRun, EvalAndPredict) {
  CliSandbox box;
  box.write("c.toml", tiny_config(3));
  CliResult t = box.run("train c.toml --out run");
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.out.find("test accuracy"), std::string::npos);
  CliResult e = box.run("eval run");
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_NE(e.out.find("test accuracy"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("class 3"), std::string::npos) << e.out;

  // a test image of the same synthetic task, written as PNG files
  data::TensorDataset test = data::make_synthetic_images(2, 4, 8, 0.0, 5, 12345);
  data::write_png(box.path("a.png"), test.get(0).inputs.select(0, 0));
  data::write_png(box.path("b.png"), test.get(1).inputs.select(0, 0));
  CliResult p = box.run("predict run a.png b.png --top 2 --invert no");
  ASSERT_EQ(p.code, 0) << p.err;
  EXPECT_NE(p.out.find("a.png: class "), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("b.png: class "), std::string::npos) << p.out;
  // noise-free templates are easy: the prediction must be the template's class
  const int64_t label = test.get(0).targets.to_vector<int64_t>()[0];
  EXPECT_NE(p.out.find("a.png: class " + std::to_string(label) + " "), std::string::npos) << p.out;
}

TEST(CliRun, CrossValidationAndEnsembles) {
  CliSandbox box;
  box.write("c.toml", tiny_config(1));
  CliResult cv = box.run("cv c.toml --folds 3");
  ASSERT_EQ(cv.code, 0) << cv.err;
  EXPECT_NE(cv.out.find("3-fold cross-validation: accuracy"), std::string::npos) << cv.out;
  EXPECT_NE(cv.out.find("+/-"), std::string::npos);
  CliResult bag = box.run("ensemble c.toml --method bagging --members 3");
  ASSERT_EQ(bag.code, 0) << bag.err;
  EXPECT_NE(bag.out.find("ensemble test accuracy"), std::string::npos) << bag.out;
  CliResult boost = box.run("ensemble c.toml --method boosting --members 2 --epochs 2");
  ASSERT_EQ(boost.code, 0) << boost.err;
  EXPECT_NE(boost.out.find("boosting of"), std::string::npos) << boost.out;
}

bool have_chromium() { return std::filesystem::exists("/usr/bin/chromium"); }

std::string chromium(const CliSandbox& box, const std::string& args) {
  const std::string profile = box.path("chromium-profile");
  std::filesystem::create_directories(profile);
  const std::string cmd =
      "timeout 60 /usr/bin/chromium --headless --no-sandbox --disable-gpu "
      "--disable-background-networking --disable-component-update --disable-sync --no-first-run "
      "--user-data-dir='" +
      profile + "' " + args + " 2>/dev/null";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

int count(const std::string& s, const std::string& needle) {
  int n = 0;
  for (size_t at = s.find(needle); at != std::string::npos; at = s.find(needle, at + 1)) ++n;
  return n;
}

TEST(CliReport, HtmlIsSelfContainedAndRendersInChromium) {
  CliSandbox box;
  box.write("c.toml", tiny_config(3));
  ASSERT_EQ(box.run("train c.toml --out run").code, 0);
  CliResult r = box.run("report run");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string html = slurp(box.dir() / "run/report.html");
  EXPECT_GE(count(html, "<svg"), 2) << "loss and accuracy charts";
  EXPECT_GE(count(html, "src=\"data:image/png;base64,"), 8) << "sample grid";
  EXPECT_NE(html.find("Confusion matrix"), std::string::npos);
  EXPECT_NE(html.find("Worst mistakes"), std::string::npos);
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org")) << "no external resources";
  EXPECT_EQ(html.find("https://"), std::string::npos) << "no external resources";

  if (!have_chromium()) GTEST_SKIP() << "chromium not installed";
  const std::string url = "file://" + box.path("run/report.html");
  const std::string dom = chromium(box, "--dump-dom '" + url + "'");
  EXPECT_GE(count(dom, "<svg"), 2) << dom.substr(0, 300);
  EXPECT_GE(count(dom, "<path") + count(dom, "<polyline"), 4) << "the charts drew lines";

  const std::string png = box.path("shot.png");
  chromium(box, "--screenshot='" + png + "' --window-size=1200,1600 '" + url + "'");
  ASSERT_TRUE(std::filesystem::exists(png)) << "chromium wrote no screenshot";
  data::ImageOptions o;
  o.height = 0;
  o.width = 0;
  o.grayscale = true;
  Tensor img = data::load_image(png, o);
  const auto v = img.to_vector<float>();
  double mean = 0, var = 0;
  for (float x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (float x : v) var += (x - mean) * (x - mean);
  var /= static_cast<double>(v.size());
  EXPECT_GT(std::sqrt(var), 0.05) << "the screenshot is blank";
  EXPECT_LT(mean, 0.995) << "the screenshot is all white";
}

TEST(CliDemo, ActivationsAndOptimizersWriteSvgPages) {
  CliSandbox box;
  CliResult a = box.run("demo activations --out act.html");
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_NE(a.out.find("sigmoid"), std::string::npos);
  EXPECT_GE(count(slurp(box.dir() / "act.html"), "<svg"), 1);
  CliResult o = box.run("demo optimizers");
  ASSERT_EQ(o.code, 0) << o.err;
  for (const char* name : {"SGD", "Momentum", "Nesterov", "Adagrad", "Adadelta", "RMSprop", "Adam"})
    EXPECT_NE(o.out.find(name), std::string::npos) << name;
  EXPECT_GE(count(slurp(box.dir() / "runs/demo_optimizers.html"), "<svg"), 1);
}

}  // namespace
}  // namespace nabla::test
