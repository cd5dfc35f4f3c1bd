#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "nabla/data/image.hpp"
#include "nabla/vision/scene_files.hpp"
#include "tests/data/temp_dir.hpp"
#include "tests/vision/items.hpp"

namespace nabla::vision {
namespace {

using nlohmann::json;

std::vector<Scene> some_scenes() {
  SceneOptions o;
  o.height = 64;
  o.width = 80;
  return make_scenes(test::shape_items(30), 4, 11, o);
}

TEST(SceneFiles, RoundTrip) {
  test::TempDir dir;
  const auto scenes = some_scenes();
  write_scenes(dir.file("s"), scenes, {"test", 11, {}});
  const auto back = load_scenes(dir.file("s"));
  ASSERT_EQ(back.size(), scenes.size());
  for (size_t i = 0; i < scenes.size(); ++i) {
    EXPECT_EQ(back[i].mask.to_vector<int64_t>(), scenes[i].mask.to_vector<int64_t>());
    EXPECT_EQ(back[i].objects, scenes[i].objects);
    ASSERT_EQ(back[i].image.shape(), scenes[i].image.shape());
    const auto a = back[i].image.to_vector<float>(), b = scenes[i].image.to_vector<float>();
    for (size_t k = 0; k < a.size(); ++k) ASSERT_NEAR(a[k], b[k], 0.5 / 255 + 1e-6);  // 8-bit
  }
}

TEST(SceneFiles, AnnotationsAreCocoStyle) {
  test::TempDir dir;
  const auto scenes = some_scenes();
  write_scenes(dir.file("s"), scenes, {"test", 11, {}});
  const json doc = json::parse(test::read_bytes(dir.file("s/annotations.json")));
  ASSERT_EQ(doc["images"].size(), scenes.size());
  EXPECT_EQ(doc["images"][2]["file_name"], "scene_00002.png");
  EXPECT_EQ(doc["images"][2]["mask_file_name"], "scene_00002_mask.png");
  EXPECT_EQ(doc["images"][2]["width"], 80);
  ASSERT_EQ(doc["categories"].size(), 11u);
  EXPECT_EQ(doc["categories"][0]["name"], "background");
  EXPECT_EQ(doc["categories"][2]["name"], "Trouser");
  const SceneObject& o = scenes[0].objects[0];
  const json& a = doc["annotations"][0];
  EXPECT_EQ(a["image_id"], 0);
  EXPECT_EQ(a["category_id"], o.label + 1);
  EXPECT_EQ(a["bbox"], json::array({o.x, o.y, o.w, o.h}));
  EXPECT_EQ(a["area"], o.area);
  EXPECT_EQ(doc["info"]["seed"], 11);
  // the mask PNG holds class * 20 grey
  const Tensor grey = data::load_image(dir.file("s/scene_00000_mask.png"), {0, 0});
  const auto g = grey.to_vector<float>();
  const auto m = scenes[0].mask.to_vector<int64_t>();
  for (size_t i = 0; i < m.size(); ++i) ASSERT_EQ(std::lround(g[i] * 255), m[i] * 20);
}

// The IoError of load_scenes after `damage` names `file` and contains `what`.
void expect_io_error(const std::function<void(const test::TempDir&)>& damage,
                     const std::string& file, const std::string& what) {
  test::TempDir dir;
  write_scenes(dir.file("s"), some_scenes());
  damage(dir);
  try {
    load_scenes(dir.file("s"));
    ADD_FAILURE() << "no error for " << what;
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

void edit_json(const test::TempDir& dir, const std::function<void(json&)>& edit) {
  json doc = json::parse(test::read_bytes(dir.file("s/annotations.json")));
  edit(doc);
  test::write_bytes(dir.file("s/annotations.json"), doc.dump());
}

TEST(SceneFiles, ErrorsNameTheFileAndTheProblem) {
  using D = const test::TempDir&;
  expect_io_error([](D d) { std::filesystem::remove(d.file("s/annotations.json")); },
                  "annotations.json", "missing");
  expect_io_error([](D d) { test::write_bytes(d.file("s/annotations.json"), "{\"images\": ["); },
                  "annotations.json", "not valid JSON");
  expect_io_error([](D d) { edit_json(d, [](json& j) { j["images"][1].erase("width"); }); },
                  "annotations.json", "images[1] has no integer \"width\"");
  expect_io_error(
      [](D d) {
        data::write_png(d.file("s/scene_00001_mask.png"), Tensor::zeros({10, 12}));
      },
      "scene_00001_mask.png", "is 12x10 but annotations.json says 80x64");
  expect_io_error(
      [](D d) {
        data::write_png(d.file("s/scene_00002_mask.png"), Tensor::full({64, 80}, 0.5));
      },
      "scene_00002_mask.png", "grey 128, not a class * 20");
  expect_io_error([](D d) { test::write_bytes(d.file("s/scene_00003.png"), "not a png"); },
                  "scene_00003.png", "");
  expect_io_error([](D d) { std::filesystem::remove(d.file("s/scene_00000.png")); },
                  "scene_00000.png", "");
  expect_io_error([](D d) { edit_json(d, [](json& j) { j["annotations"][0]["bbox"][0] = 79; }); },
                  "annotations.json", "is not inside the 80x64 image");
  expect_io_error(
      [](D d) { edit_json(d, [](json& j) { j["annotations"][0]["category_id"] = 0; }); },
      "annotations.json", "category_id 0");
  expect_io_error([](D d) { edit_json(d, [](json& j) { j["annotations"][0]["image_id"] = 99; }); },
                  "annotations.json", "no image has");
}

}  // namespace
}  // namespace nabla::vision
