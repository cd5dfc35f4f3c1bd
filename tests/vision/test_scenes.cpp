#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "nabla/data/fashion_mnist.hpp"
#include "nabla/vision/scenes.hpp"
#include "tests/vision/items.hpp"

namespace nabla::vision {
namespace {

bool same_scene(const Scene& a, const Scene& b) {
  return a.image.to_vector<float>() == b.image.to_vector<float>() &&
         a.mask.to_vector<int64_t>() == b.mask.to_vector<int64_t>() && a.objects == b.objects;
}

TEST(Scenes, SameSeedSameScenesAndPrefixStable) {
  const auto items = test::shape_items(40);
  const auto a = make_scenes(items, 6, 123);
  const auto b = make_scenes(items, 3, 123);
  const SceneGenerator gen(items, {}, 123);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(same_scene(a[i], b[i])) << "scene " << i;
  EXPECT_TRUE(same_scene(a[5], gen.scene(5)));
  const auto c = make_scenes(items, 3, 124);
  int differ = 0;
  for (int i = 0; i < 3; ++i) differ += !same_scene(a[i], c[i]);
  EXPECT_EQ(differ, 3);
}

// Pins the random choices to nabla's own Generator: this fails if a scene ever depends on a
// standard library's distributions (which differ between libstdc++ and libc++) or on anything
// else that is not the same on every machine.
TEST(Scenes, GoldenObjectsForAFixedSeed) {
  const auto items = test::shape_items(40);
  const Scene s = SceneGenerator(items, {}, 2024).scene(0);
  std::string got;
  for (const auto& o : s.objects)
    got += std::to_string(o.label) + "@" + std::to_string(o.x) + "," + std::to_string(o.y) + "," +
           std::to_string(o.w) + "," + std::to_string(o.h) + "#" + std::to_string(o.source_index) +
           " ";
  int64_t mask_sum = 0, grey_sum = 0;  // every pixel, 8-bit as a PNG holds it
  for (int64_t v : s.mask.to_vector<int64_t>()) mask_sum += v;
  for (float v : s.image.to_vector<float>()) grey_sum += std::lround(v * 255);
  got += std::to_string(mask_sum) + " " + std::to_string(grey_sum);
  EXPECT_EQ(got, "2@59,22,38,48#12 4@61,33,24,38#34 0@8,22,47,35#30 7210 974215");
}

// Every labelled pixel lies in a box of its class, every box edge touches its class, and the
// areas add up to the labelled pixels: the boxes and the mask describe the same visible items.
void expect_boxes_fit_mask(const Scene& s) {
  const int64_t H = s.mask.size(0), W = s.mask.size(1);
  const auto m = s.mask.to_vector<int64_t>();
  const auto img = s.image.to_vector<float>();
  int64_t labelled = 0, area = 0;
  for (int64_t i = 0; i < H * W; ++i) {
    ASSERT_TRUE(m[i] >= 0 && m[i] < kSceneClasses);
    ASSERT_TRUE(img[i] >= 0 && img[i] <= 1);
    if (m[i] == 0) continue;
    ++labelled;
    const int64_t y = i / W, x = i % W;
    const bool inside = std::any_of(s.objects.begin(), s.objects.end(), [&](const auto& o) {
      return o.label + 1 == m[i] && x >= o.x && x < o.x + o.w && y >= o.y && y < o.y + o.h;
    });
    ASSERT_TRUE(inside) << "pixel " << x << "," << y << " of class " << m[i];
  }
  for (const auto& o : s.objects) {
    area += o.area;
    auto touches = [&](int64_t x0, int64_t y0, int64_t dx, int64_t dy, int64_t n) {
      for (int64_t k = 0; k < n; ++k)
        if (m[(y0 + k * dy) * W + x0 + k * dx] == o.label + 1) return true;
      return false;
    };
    EXPECT_TRUE(touches(o.x, o.y, 1, 0, o.w) && touches(o.x, o.y + o.h - 1, 1, 0, o.w) &&
                touches(o.x, o.y, 0, 1, o.h) && touches(o.x + o.w - 1, o.y, 0, 1, o.h));
  }
  EXPECT_EQ(area, labelled);
}

TEST(Scenes, BoxesAndMaskDescribeTheSameVisibleItems) {
  SceneOptions o;
  o.height = 96;
  o.width = 128;
  const auto scenes = make_scenes(test::shape_items(50), 40, 7, o);
  int64_t objects = 0;
  for (const auto& s : scenes) {
    EXPECT_EQ(s.image.shape(), (Shape{1, 96, 128}));
    EXPECT_EQ(s.mask.shape(), (Shape{96, 128}));
    EXPECT_GE(s.objects.size(), 1u);
    EXPECT_LE(s.objects.size(), 5u);
    for (const auto& ob : s.objects) EXPECT_TRUE(ob.w <= 64 && ob.h <= 64);
    expect_boxes_fit_mask(s);
    objects += static_cast<int64_t>(s.objects.size());
  }
  EXPECT_GT(objects, 80);  // 1 to 5 per scene, 3 on average before occlusion
}

TEST(Scenes, LaterItemWinsAndHiddenItemsAreDropped) {
  const Tensor bg = Tensor::zeros({64, 64});
  std::vector<Placement> items = {{test::solid(28, 0.8f), 1, 4, 4, 20, 0},
                                  {test::solid(28, 0.5f), 2, 14, 14, 20, 1},
                                  {test::solid(28, 0.9f), 3, 44, 44, 10, 2},
                                  {test::solid(28, 0.6f), 4, 40, 40, 20, 3}};
  const Scene s = compose_scene(bg, items);
  ASSERT_EQ(s.objects.size(), 3u);  // item 2 lies wholly under item 3
  EXPECT_EQ(s.objects[0], (SceneObject{1, 4, 4, 20, 20, 400 - 100, 0}));
  EXPECT_EQ(s.objects[1], (SceneObject{2, 14, 14, 20, 20, 400, 1}));
  EXPECT_EQ(s.objects[2], (SceneObject{4, 40, 40, 20, 20, 400, 3}));
  EXPECT_EQ(s.mask.at({20, 20}), 3);  // the overlap is the later item's
  EXPECT_FLOAT_EQ(s.image.at({0, 20, 20}), 0.5f);
  EXPECT_EQ(s.mask.at({50, 50}), 5);
}

TEST(Scenes, DarkItemPixelsAreBackground) {
  // Fashion-MNIST's black around the garment must not paint a square: below the threshold the
  // background stays, in the image and in the mask.
  Tensor item = test::solid(28, 0.05f);
  item.data<float>()[14 * 28 + 14] = 0.7f;
  const Scene s = compose_scene(Tensor::full({40, 40}, 0.3), {{item, 0, 6, 6, 28}}, 0.1);
  ASSERT_EQ(s.objects.size(), 1u);
  EXPECT_EQ(s.objects[0].area, 1);
  EXPECT_EQ(s.mask.at({20, 20}), 1);
  EXPECT_FLOAT_EQ(s.image.at({0, 7, 7}), 0.3f);
  EXPECT_EQ(s.mask.at({7, 7}), 0);
}

TEST(Scenes, BrightnessAloneDoesNotSegment) {
  const auto scenes = make_scenes(test::shape_items(50), 30, 3);
  int64_t wrong = 0, bright = 0, background_pixels = 0;
  for (const auto& s : scenes) {
    const auto m = s.mask.to_vector<int64_t>();
    const auto img = s.image.to_vector<float>();
    for (size_t i = 0; i < m.size(); ++i) {
      background_pixels += m[i] == 0;
      wrong += m[i] == 0 && img[i] > 0.1f;   // what "bright = object" would call an object
      bright += m[i] == 0 && img[i] > 0.5f;  // as bright as a garment: shading and clutter
    }
  }
  EXPECT_GT(static_cast<double>(wrong) / background_pixels, 0.3);
  EXPECT_GT(static_cast<double>(bright) / background_pixels, 0.01);
}

TEST(Scenes, SplitsUseOnlyTheirOwnItems) {
  if (!data::FashionMnist::available()) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  const auto fm = data::FashionMnist::load();
  const auto test_labels = fm.test.targets().to_vector<int64_t>();
  const auto train_labels = fm.train.targets().to_vector<int64_t>();
  int64_t beyond_test_size = 0;
  for (const auto& s : make_fashion_scenes(Split::Test, 10, 9))
    for (const auto& o : s.objects) {
      ASSERT_LT(o.source_index, 10000);
      EXPECT_EQ(o.label, test_labels[o.source_index]);
    }
  for (const auto& s : make_scenes(fm.train, 10, 9))
    for (const auto& o : s.objects) {
      EXPECT_EQ(o.label, train_labels[o.source_index]);
      beyond_test_size += o.source_index >= 10000;
    }
  EXPECT_GT(beyond_test_size, 0);
}

TEST(Scenes, BadOptionsAndPlacementsSayWhatIsWrong) {
  SceneOptions o;
  o.height = 40;  // smaller than a 64 px item
  EXPECT_THROW(
      {
        try {
          check_scene_options(o);
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("largest item (64 px)"), std::string::npos);
          throw;
        }
      },
      Error);
  EXPECT_THROW(split_from_name("validation"), Error);
  EXPECT_THROW(compose_scene(Tensor::zeros({32, 32}), {{test::solid(28, 1), 0, 10, 10, 28}}),
               Error);  // off the canvas
  EXPECT_THROW(compose_scene(Tensor::zeros({32, 32}), {{test::solid(28, 1), 10, 0, 0, 28}}),
               Error);  // label 10 is not a Fashion-MNIST class
}

}  // namespace
}  // namespace nabla::vision
