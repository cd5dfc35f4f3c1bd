// `nabla scenes` and `nabla heatmap` through the real program.
#include "cli_runner.hpp"
#include "nabla/data/fashion_mnist.hpp"
#include "nabla/data/image.hpp"
#include "nabla/vision/scene_files.hpp"

namespace nabla::test {
namespace {

TEST(CliScenes, WritesScenesThatLoadBackTheSameEveryTime) {
  if (!data::FashionMnist::available()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  CliSandbox box;
  CliResult r = box.run("scenes --out a --count 3 --split test --seed 5 --size 96");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote 3 scenes (96x96"), std::string::npos) << r.out;
  const auto scenes = vision::load_scenes(box.path("a"));
  ASSERT_EQ(scenes.size(), 3u);
  EXPECT_EQ(scenes[2].image.shape(), (Shape{1, 96, 96}));
  EXPECT_FALSE(scenes[0].objects.empty());
  ASSERT_EQ(box.run("scenes --out b --count 3 --split test --seed 5 --size 96").code, 0);
  EXPECT_EQ(slurp(box.dir() / "a/annotations.json"), slurp(box.dir() / "b/annotations.json"));
  EXPECT_EQ(slurp(box.dir() / "a/scene_00002.png"), slurp(box.dir() / "b/scene_00002.png"));
}

TEST(CliScenes, BadFlagsAreUsageErrors) {
  CliSandbox box;
  EXPECT_EQ(box.run("scenes --out a --count 3 --split validation").code, 2);
  EXPECT_EQ(box.run("scenes --out a --count 3 --size 10").code, 2);
  EXPECT_EQ(box.run("scenes --out a").code, 2);
  CliResult r = box.run("scenes --out a --count 1 --data missing_folder");
  EXPECT_EQ(r.code, 4) << r.err;
}

TEST(CliHeatmap, DrawsTheRunsClassifierOverAWholeScene) {
  CliSandbox box;
  box.write("c.toml", tiny_config(1));  // Flatten + Linear layers on 8x8 images, 4 classes
  ASSERT_EQ(box.run("train c.toml --out run --threads 1").code, 0);
  data::write_png(box.path("scene.png"), Tensor::rand({1, 20, 24}));
  CliResult r = box.run("heatmap run scene.png --out h.png --scale 2");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("17x13 score cells (8x8 windows, stride 1)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("colours:"), std::string::npos) << r.out;
  data::ImageOptions keep;
  keep.height = keep.width = 0;
  keep.grayscale = false;
  EXPECT_EQ(data::load_image(box.path("h.png"), keep).shape(), (Shape{3, 40, 48}));
  CliResult one = box.run("heatmap run scene.png --class 2");
  ASSERT_EQ(one.code, 0) << one.err;
  EXPECT_TRUE(std::filesystem::exists(box.dir() / "run/heatmap_scene.png"));
  CliResult bad = box.run("heatmap run scene.png --class 7");
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("--class 7 is not one of this run's classes"), std::string::npos)
      << bad.err;
  data::write_png(box.path("small.png"), Tensor::rand({1, 6, 6}));
  CliResult small = box.run("heatmap run small.png");
  EXPECT_EQ(small.code, 1);
  EXPECT_NE(small.err.find("must be at least the classifier's 8x8 input"), std::string::npos)
      << small.err;
  EXPECT_EQ(box.run("heatmap run missing.png").code, 4);
}

}  // namespace
}  // namespace nabla::test
