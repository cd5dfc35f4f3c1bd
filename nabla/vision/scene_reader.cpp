// load_scenes: annotations.json and the PNGs it names back into Scenes, refusing (IoError, one
// line naming the file) anything that does not fit, so a hand-edited or truncated folder never
// turns into wrong labels or a crash.
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nabla/data/image.hpp"
#include "nabla/vision/scene_files.hpp"

namespace nabla::vision {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

[[noreturn]] void fail(const std::string& file, const std::string& what) {
  throw IoError(file + ": " + what);
}

json read_annotations(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    fail(path, "missing; a scenes folder has one (write it with `nabla scenes --out DIR`)");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::string("cannot open (") + std::strerror(errno) + ")");
  std::ostringstream os;
  os << in.rdbuf();
  try {
    json doc = json::parse(os.str());
    if (!doc.is_object() || !doc.contains("images") || !doc["images"].is_array() ||
        !doc.contains("annotations") || !doc["annotations"].is_array())
      fail(path, "expected an object with \"images\" and \"annotations\" arrays");
    return doc;
  } catch (const json::exception& e) {
    fail(path, std::string("not valid JSON (") + e.what() + ")");
  }
}

// obj[key] as an integer, or IoError "<file>: <where> has no integer \"key\"".
int64_t get_int(const json& obj, const char* key, const std::string& file,
                const std::string& where) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_number_integer())
    fail(file, where + " has no integer \"" + key + "\"");
  return obj[key].get<int64_t>();
}

std::string get_string(const json& obj, const char* key, const std::string& file,
                       const std::string& where) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string())
    fail(file, where + " has no string \"" + key + "\"");
  return obj[key].get<std::string>();
}

Tensor load_grey(const std::string& path, int64_t height, int64_t width) {
  data::ImageOptions opt;
  opt.height = 0;
  opt.width = 0;
  opt.grayscale = true;
  Tensor img = data::load_image(path, opt);  // IoError naming the file when unreadable
  if (img.size(1) != height || img.size(2) != width)
    fail(path, "is " + std::to_string(img.size(2)) + "x" + std::to_string(img.size(1)) +
                   " but annotations.json says " + std::to_string(width) + "x" +
                   std::to_string(height));
  return img;
}

// Grey class * 20 -> class, refusing any other grey level (a resampled or colour-mapped mask).
Tensor load_mask(const std::string& path, int64_t height, int64_t width) {
  const std::vector<float> g = load_grey(path, height, width).to_vector<float>();
  std::vector<int64_t> m(g.size());
  for (size_t i = 0; i < g.size(); ++i) {
    const long grey = std::lround(g[i] * 255.0f);
    if (grey % kMaskGreyStep != 0 || grey / kMaskGreyStep >= kSceneClasses)
      fail(path, "pixel (x=" + std::to_string(i % width) + ", y=" + std::to_string(i / width) +
                     ") has grey " + std::to_string(grey) +
                     ", not a class * 20 (0, 20, ..., 200); was the mask resampled?");
    m[i] = grey / kMaskGreyStep;
  }
  return Tensor::from_vector(m, {height, width});
}

SceneObject read_object(const json& a, const std::string& file, const std::string& where,
                        const Scene& scene) {
  SceneObject o;
  const int64_t category = get_int(a, "category_id", file, where);
  if (category < 1 || category > kItemClasses)
    fail(file, where + " has category_id " + std::to_string(category) + "; objects are 1..10");
  o.label = category - 1;
  if (!a.contains("bbox") || !a["bbox"].is_array() || a["bbox"].size() != 4)
    fail(file, where + " needs \"bbox\": [x, y, w, h]");
  int64_t box[4];
  for (int k = 0; k < 4; ++k) {
    if (!a["bbox"][k].is_number_integer()) fail(file, where + "'s bbox must hold integers");
    box[k] = a["bbox"][k].get<int64_t>();
  }
  o.x = box[0], o.y = box[1], o.w = box[2], o.h = box[3];
  const int64_t H = scene.mask.size(0), W = scene.mask.size(1);
  if (o.x < 0 || o.y < 0 || o.w < 1 || o.h < 1 || o.x + o.w > W || o.y + o.h > H)
    fail(file, where + "'s bbox [" + std::to_string(o.x) + ", " + std::to_string(o.y) + ", " +
                   std::to_string(o.w) + ", " + std::to_string(o.h) + "] is not inside the " +
                   std::to_string(W) + "x" + std::to_string(H) + " image");
  o.area = get_int(a, "area", file, where);
  if (o.area < 1 || o.area > o.w * o.h) fail(file, where + "'s area does not fit its bbox");
  o.source_index = a.contains("source_index") ? get_int(a, "source_index", file, where) : -1;
  return o;
}

}  // namespace

std::vector<Scene> load_scenes(const std::string& dir) {
  const std::string file = (fs::path(dir) / kAnnotationsFile).string();
  const json doc = read_annotations(file);
  std::vector<Scene> scenes;
  std::map<int64_t, size_t> by_id;
  for (size_t i = 0; i < doc["images"].size(); ++i) {
    const json& im = doc["images"][i];
    const std::string where = "images[" + std::to_string(i) + "]";
    const int64_t id = get_int(im, "id", file, where);
    const int64_t w = get_int(im, "width", file, where), h = get_int(im, "height", file, where);
    if (w < 1 || h < 1 || w > 65536 || h > 65536) fail(file, where + " has a bad size");
    if (!by_id.emplace(id, i).second) fail(file, where + " repeats image id " + std::to_string(id));
    Scene s;
    s.image = load_grey((fs::path(dir) / get_string(im, "file_name", file, where)).string(), h, w);
    s.mask =
        load_mask((fs::path(dir) / get_string(im, "mask_file_name", file, where)).string(), h, w);
    scenes.push_back(std::move(s));
  }
  for (size_t i = 0; i < doc["annotations"].size(); ++i) {
    const json& a = doc["annotations"][i];
    const std::string where = "annotations[" + std::to_string(i) + "]";
    const auto it = by_id.find(get_int(a, "image_id", file, where));
    if (it == by_id.end()) fail(file, where + " names an image_id that no image has");
    Scene& s = scenes[it->second];
    s.objects.push_back(read_object(a, file, where, s));
  }
  return scenes;
}

}  // namespace nabla::vision
