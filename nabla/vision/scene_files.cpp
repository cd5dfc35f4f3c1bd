#include "nabla/vision/scene_files.hpp"

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <utility>

#include "nabla/data/fashion_mnist.hpp"
#include "nabla/data/image.hpp"
#include "nabla/io/atomic_file.hpp"

namespace nabla::vision {

namespace fs = std::filesystem;
using nlohmann::json;

std::string scene_file_name(int64_t index) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "scene_%05lld.png", static_cast<long long>(index));
  return buf;
}

std::string scene_mask_file_name(int64_t index) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "scene_%05lld_mask.png", static_cast<long long>(index));
  return buf;
}

namespace {

json categories_json() {
  json cats = json::array({{{"id", 0}, {"name", "background"}}});
  const auto& names = data::FashionMnist::class_names();
  for (int64_t k = 0; k < kItemClasses; ++k) cats.push_back({{"id", k + 1}, {"name", names[k]}});
  return cats;
}

json info_json(const SceneSetInfo& info) {
  const SceneOptions& o = info.options;
  return {{"description", "nabla scenes: Fashion-MNIST items on textured backgrounds"},
          {"split", info.split},
          {"seed", info.seed},
          {"height", o.height},
          {"width", o.width},
          {"items", {o.min_items, o.max_items}},
          {"item_size", {o.min_item_size, o.max_item_size}},
          {"noise", o.noise},
          {"shading", o.shading},
          {"max_clutter", o.max_clutter},
          {"threshold", o.threshold},
          {"mask_grey", "class * 20"}};
}

// The mask as grey levels class * 20 / 255, which encode_png rounds back to class * 20 exactly.
Tensor mask_to_grey(const Tensor& mask) {
  const std::vector<int64_t> m = mask.to_vector<int64_t>();
  std::vector<float> g(m.size());
  for (size_t i = 0; i < m.size(); ++i) g[i] = static_cast<float>(m[i] * kMaskGreyStep) / 255.0f;
  return Tensor::from_vector(g, mask.shape());
}

}  // namespace

SceneWriter::SceneWriter(std::string dir, SceneSetInfo info)
    : dir_(std::move(dir)), info_(std::move(info)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) throw IoError(dir_ + ": cannot create the scenes folder (" + ec.message() + ")");
}

void SceneWriter::add(const Scene& s) {
  NABLA_CHECK(s.image.defined() && s.image.dim() == 3 && s.mask.defined() && s.mask.dim() == 2 &&
                  s.mask.size(0) == s.image.size(1) && s.mask.size(1) == s.image.size(2),
              "scenes", "a scene needs an image (1, H, W) and a mask (H, W) of the same size");
  const int64_t index = count();
  // write_png: temp file + rename, no fsync. An fsync per PNG made 500 scenes take 10 s instead
  // of 1; only annotations.json, written last, is made durable (io::write_file_atomic).
  data::write_png((fs::path(dir_) / scene_file_name(index)).string(), s.image);
  data::write_png((fs::path(dir_) / scene_mask_file_name(index)).string(), mask_to_grey(s.mask));
  sizes_.emplace_back(s.image.size(2), s.image.size(1));
  for (const SceneObject& o : s.objects) objects_.emplace_back(index, o);
}

void SceneWriter::finish() {
  json images = json::array(), annotations = json::array();
  for (size_t i = 0; i < sizes_.size(); ++i) {
    const auto index = static_cast<int64_t>(i);
    images.push_back({{"id", index},
                      {"file_name", scene_file_name(index)},
                      {"mask_file_name", scene_mask_file_name(index)},
                      {"width", sizes_[i].first},
                      {"height", sizes_[i].second}});
  }
  for (size_t i = 0; i < objects_.size(); ++i) {
    const auto& [image, o] = objects_[i];
    annotations.push_back({{"id", static_cast<int64_t>(i) + 1},
                           {"image_id", image},
                           {"category_id", o.label + 1},
                           {"bbox", {o.x, o.y, o.w, o.h}},
                           {"area", o.area},
                           {"iscrowd", 0},
                           {"source_index", o.source_index}});
  }
  const json doc = {{"info", info_json(info_)},
                    {"images", images},
                    {"annotations", annotations},
                    {"categories", categories_json()}};
  io::write_file_atomic((fs::path(dir_) / kAnnotationsFile).string(), doc.dump(1) + "\n");
}

void write_scenes(const std::string& dir, const std::vector<Scene>& scenes,
                  const SceneSetInfo& info) {
  SceneWriter writer(dir, info);
  for (const Scene& s : scenes) writer.add(s);
  writer.finish();
}

}  // namespace nabla::vision
