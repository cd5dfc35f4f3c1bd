// Scenes on disk, COCO-style, so other tools can read them too:
//   scene_00000.png        the image, 8-bit grey
//   scene_00000_mask.png   the mask, 8-bit grey = class * 20 (0 background, 20 T-shirt/top, ...,
//                          200 ankle boot): visible in any viewer, exact to read back
//   annotations.json       {"info", "images": [{id, file_name, mask_file_name, width, height}],
//                          "annotations": [{id, image_id, category_id, bbox: [x, y, w, h],
//                          area, iscrowd: 0, source_index}], "categories": [{id, name}]}
// category_id is the mask class (1 + Fashion-MNIST class); category 0 is "background", listed
// for the masks, never used by an annotation. area is the visible pixel count.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "nabla/vision/scenes.hpp"

namespace nabla::vision {

inline constexpr const char* kAnnotationsFile = "annotations.json";
inline constexpr int64_t kMaskGreyStep = 20;

// Recorded in annotations.json's "info", so a folder says how to make it again.
struct SceneSetInfo {
  std::string split = "train";
  uint64_t seed = 0;
  SceneOptions options;
};

// "scene_00042.png" and "scene_00042_mask.png".
std::string scene_file_name(int64_t index);
std::string scene_mask_file_name(int64_t index);

// Writes scenes one at a time, so a large set never has to fit in memory: each add() writes
// that scene's two PNGs, finish() writes annotations.json (the folder is complete, and
// load_scenes reads it, only after that). `dir` is created if missing; files of the same names
// are replaced. IoError naming the file that could not be written.
class SceneWriter {
 public:
  explicit SceneWriter(std::string dir, SceneSetInfo info = {});
  void add(const Scene& scene);
  void finish();
  int64_t count() const { return static_cast<int64_t>(sizes_.size()); }
  int64_t object_count() const { return static_cast<int64_t>(objects_.size()); }

 private:
  std::string dir_;
  SceneSetInfo info_;
  std::vector<std::pair<int64_t, int64_t>> sizes_;        // (width, height) per scene
  std::vector<std::pair<int64_t, SceneObject>> objects_;  // (scene index, object)
};

// All of `scenes` through a SceneWriter.
void write_scenes(const std::string& dir, const std::vector<Scene>& scenes,
                  const SceneSetInfo& info = {});

// Reads a folder write_scenes made (or any folder in that format). The images come back
// quantised to 8 bits; masks and objects exactly. IoError naming the file and what is wrong
// (missing, not JSON, a missing field, a mask whose size differs from its image, a grey value
// that is not class * 20, a box outside the image, an unknown category).
std::vector<Scene> load_scenes(const std::string& dir);

}  // namespace nabla::vision
