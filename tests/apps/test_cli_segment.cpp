// `nabla segment train/eval/predict` through the real program: a tiny FCN trained for a few
// steps on a handful of 32x32 scenes, its run folder, eval's metrics, predict's overlay, and
// the errors for a wrong image size, a classification run and a model that does not end in
// per-pixel scores.
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "nabla/data/fashion_mnist.hpp"
#include "nabla/data/image.hpp"

namespace nabla::test {
namespace {

TEST(CliSegment, TrainsEvaluatesAndDrawsAMask) {
  if (!data::FashionMnist::available()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  CliSandbox box;
  box.write("s.toml", tiny_segment_config());
  CliResult r = box.run("segment train s.toml --out run --threads 1");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("on 12 32x32 scenes, testing on 4"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("epoch 2: test mIoU"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("test mIoU "), std::string::npos) << r.out;
  for (const char* f : {"config.toml", "segment.json", "metrics.csv", "checkpoint.safetensors",
                        "model.safetensors", "summary.json"})
    EXPECT_TRUE(std::filesystem::exists(box.dir() / "run" / f)) << f;
  const auto summary = nlohmann::json::parse(slurp(box.dir() / "run/summary.json"));
  EXPECT_EQ(summary.at("task"), "segmentation");
  EXPECT_EQ(summary.at("test_pixels"), 4 * 32 * 32);
  const double miou = summary.at("test_mean_iou");
  EXPECT_GT(miou, 0.0);
  EXPECT_LE(miou, 1.0);

  CliResult e = box.run("segment eval run");
  ASSERT_EQ(e.code, 0) << e.err;
  for (const char* s :
       {"4 test scenes of 32x32", "background   IoU", "Ankle boot", "mean IoU ", "pixel accuracy "})
    EXPECT_NE(e.out.find(s), std::string::npos) << s << "\n" << e.out;
  // eval rebuilds the same test scenes and model: the same mIoU as training printed
  char line[64];
  std::snprintf(line, sizeof line, "mean IoU %.4f", miou);
  EXPECT_NE(e.out.find(line), std::string::npos) << line << "\n" << e.out;

  ASSERT_EQ(box.run("scenes --out sc --count 1 --split test --size 64").code, 0);
  data::write_png(box.path("s32.png"), Tensor::rand({1, 32, 32}));
  CliResult p = box.run("segment predict run s32.png --out o.png");
  ASSERT_EQ(p.code, 0) << p.err;
  EXPECT_NE(p.out.find("background: "), std::string::npos) << p.out;
  data::ImageOptions keep{.height = 0, .width = 0, .grayscale = false};
  EXPECT_EQ(data::load_image(box.path("o.png"), keep).shape(), (Shape{3, 128, 128}));
  ASSERT_EQ(box.run("segment predict run s32.png").code, 0);
  EXPECT_TRUE(std::filesystem::exists(box.dir() / "run/segment_s32.png"));

  CliResult size = box.run("segment predict run sc/scene_00000.png");
  EXPECT_EQ(size.code, 1);
  EXPECT_NE(size.err.find("trained on 32x32 scenes"), std::string::npos) << size.err;
}

// Ctrl-C (here --max-steps) then --resume ends with the weights of an uninterrupted run, and
// the progress lines show no accuracy (per-pixel targets have none per sample).
TEST(CliSegment, ResumeAfterAStopGivesTheUninterruptedWeights) {
  if (!data::FashionMnist::available()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  CliSandbox box;
  box.write("s.toml", tiny_segment_config());
  CliResult full = box.run("segment train s.toml --out full --threads 1");
  ASSERT_EQ(full.code, 0) << full.err;
  EXPECT_EQ(full.err.find(" acc "), std::string::npos) << full.err;
  CliResult cut = box.run("segment train s.toml --out cut --threads 1 --max-steps 4");
  ASSERT_EQ(cut.code, 130) << cut.err;
  EXPECT_FALSE(std::filesystem::exists(box.dir() / "cut/model.safetensors"));
  CliResult rest = box.run("segment train s.toml --out cut --threads 1 --resume");
  ASSERT_EQ(rest.code, 0) << rest.err;
  EXPECT_EQ(slurp(box.dir() / "full/model.safetensors"),
            slurp(box.dir() / "cut/model.safetensors"));
  EXPECT_EQ(box.run("segment train s.toml --out cut --resume --force").code, 2);
  CliResult none = box.run("segment train s.toml --out nothing --resume");
  EXPECT_EQ(none.code, 4);
  EXPECT_NE(none.err.find("nothing to resume"), std::string::npos) << none.err;
}

// [model] init_from: the segmenter's first layers start from a classifier with the same first
// layers (the FCN recipe); a file with nothing in common is a clear error. eval and predict
// --vote score and draw the masks with one class per predicted region.
TEST(CliSegment, StartsFromAClassifierAndVotesPerRegion) {
  if (!data::FashionMnist::available()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  CliSandbox box;
  box.write("enc.toml", R"(seed = 1
[data]
dataset = "fashion_mnist"
train_subset = 64
test_subset = 64
[model]
layers = [
  { type = "conv2d", out = 8, kernel = 3, padding = 1 }, { name = "e1", type = "relu" },
  { type = "maxpool2d", kernel = 2 },
  { type = "conv2d", out = 8, kernel = 3, padding = 1 }, { type = "relu" },
  { type = "adaptive_avgpool2d" }, { type = "flatten" }, { type = "linear", out = "classes" },
]
[optimizer]
name = "adam"
lr = 0.01
[train]
epochs = 1
batch_size = 16
)");
  ASSERT_EQ(box.run("train enc.toml --out enc --threads 1").code, 0);
  box.write("s.toml", tiny_segment_config());
  CliResult r = box.run(
      "segment train s.toml --out seg --threads 1 --set model.init_from=enc/model.safetensors");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("init_from enc/model.safetensors: 4 of 8 tensors copied"), std::string::npos)
      << r.err;
  CliResult e = box.run("segment eval seg");
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_NE(e.out.find("voted per region (one class per predicted garment region): mean IoU "),
            std::string::npos)
      << e.out;
  data::write_png(box.path("s32.png"), Tensor::rand({1, 32, 32}));
  ASSERT_EQ(box.run("segment predict seg s32.png --vote --out v.png").code, 0);
  EXPECT_TRUE(std::filesystem::exists(box.dir() / "v.png"));

  box.write("other.toml", tiny_config(1));
  ASSERT_EQ(box.run("train other.toml --out other --threads 1").code, 0);
  CliResult bad =
      box.run("segment train s.toml --out seg2 --set model.init_from=other/model.safetensors");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("no tensor whose name and shape match"), std::string::npos) << bad.err;
}

// The shipped configs build and take a step, and the classifier-first recipe lines up: every
// encoder tensor of configs/fcn_encoder_pretrain.toml lands in fcn_segment.toml and in
// fcn8s_segment.toml (a reordered or renamed encoder entry would copy fewer).
TEST(CliSegment, ShippedConfigsBuildAndTheEncoderRecipeLinesUp) {
  if (!data::FashionMnist::available()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  CliSandbox box;
  const std::string dir = std::string(NABLA_SOURCE_DIR) + "/configs/";
  CliResult enc = box.run("train '" + dir +
                          "fcn_encoder_pretrain.toml' --out enc --threads 1 --epochs 1 --set "
                          "data.train_subset=64 --set data.test_subset=64 --set data.val_size=64");
  ASSERT_EQ(enc.code, 0) << enc.err;
  const std::string small =
      " --threads 1 --epochs 1 --max-steps 1 --set data.train_scenes=16 --set "
      "data.test_scenes=2";
  for (const char* cfg : {"fcn_segment", "fcn8s_segment"}) {
    CliResult r = box.run("segment train '" + dir + cfg + ".toml' --out " + cfg + small +
                          " --set model.init_from=enc/model.safetensors");
    EXPECT_EQ(r.code, 130) << cfg << "\n" << r.err;  // stopped after the one step, as asked
    EXPECT_NE(r.err.find("init_from enc/model.safetensors: 60 of "), std::string::npos)
        << cfg << "\n"
        << r.err;
  }
  CliResult plain =
      box.run("segment train '" + dir + "fcn_segment_noskip.toml' --out noskip" + small);
  EXPECT_EQ(plain.code, 130) << plain.err;
}

TEST(CliSegment, ClearErrors) {
  CliSandbox box;
  box.write("c.toml", tiny_config(1));
  ASSERT_EQ(box.run("train c.toml --out cls --threads 1").code, 0);
  CliResult cls = box.run("segment eval cls");
  EXPECT_EQ(cls.code, 4);
  EXPECT_NE(cls.err.find("a classification run of `nabla train`"), std::string::npos) << cls.err;
  EXPECT_EQ(box.run("segment eval nowhere").code, 4);
  CliResult notscenes = box.run("segment train c.toml --out x");
  EXPECT_EQ(notscenes.code, 1);
  EXPECT_NE(notscenes.err.find("dataset = \"scenes\""), std::string::npos) << notscenes.err;
  EXPECT_EQ(box.run("segment").code, 2);  // needs train, eval or predict
  if (!data::FashionMnist::available()) return;
  // class maps left at 16x16: the error says what the output must be and how to get there
  box.write("half.toml",
            tiny_segment_config("  { type = \"maxpool2d\", kernel = 2 },\n"
                                "  { type = \"conv2d\", out = \"classes\", kernel = 1 },\n"));
  CliResult half = box.run("segment train half.toml --out h");
  EXPECT_EQ(half.code, 1);
  EXPECT_NE(half.err.find("[11, 32, 32]"), std::string::npos) << half.err;
  box.write("aug.toml", tiny_segment_config() + "[augment]\nhflip = true\n");
  CliResult aug = box.run("segment train aug.toml --out a");
  EXPECT_EQ(aug.code, 1);
  EXPECT_NE(aug.err.find("no [augment]"), std::string::npos) << aug.err;
}

}  // namespace
}  // namespace nabla::test
