#include "nabla/vision/scenes.hpp"

#include <algorithm>
#include <utility>

#include "nabla/core/error.hpp"
#include "nabla/vision/resize.hpp"

namespace nabla::vision {

Split split_from_name(const std::string& name) {
  if (name == "train") return Split::Train;
  if (name == "test") return Split::Test;
  throw Error("scenes: unknown split '" + name + "': use train or test");
}

const char* split_name(Split split) { return split == Split::Train ? "train" : "test"; }

void check_scene_options(const SceneOptions& o) {
  NABLA_CHECK(o.min_item_size >= 1 && o.min_item_size <= o.max_item_size, "scenes",
              "item sizes must satisfy 1 <= min_item_size <= max_item_size, got ", o.min_item_size,
              " and ", o.max_item_size);
  NABLA_CHECK(o.height >= o.max_item_size && o.width >= o.max_item_size && o.height <= 4096 &&
                  o.width <= 4096,
              "scenes", "the canvas (", o.height, "x", o.width, ") must hold the largest item (",
              o.max_item_size, " px) and be at most 4096 px a side");
  NABLA_CHECK(o.min_items >= 1 && o.min_items <= o.max_items && o.max_items <= 64, "scenes",
              "items per scene must satisfy 1 <= min_items <= max_items <= 64, got ", o.min_items,
              " and ", o.max_items);
  NABLA_CHECK(o.noise >= 0 && o.noise <= 1 && o.shading >= 0 && o.shading <= 1 &&
                  o.max_clutter >= 0 && o.max_clutter <= 256,
              "scenes", "noise and shading must be in [0, 1] and max_clutter in [0, 256], got ",
              o.noise, ", ", o.shading, ", ", o.max_clutter);
  NABLA_CHECK(o.threshold >= 0 && o.threshold < 1, "scenes", "threshold must be in [0, 1), got ",
              o.threshold);
}

namespace {

// The scene's pixels as plain arrays while painting; `owner` is the index of the item that
// holds each pixel (-1: background).
struct Canvas {
  int64_t h = 0, w = 0;
  std::vector<float> pixels;
  std::vector<int32_t> owner;
};

void paint(Canvas& c, const Placement& p, int32_t index, double threshold) {
  NABLA_CHECK(p.item.defined() && p.item.dtype() == DType::Float32 &&
                  (p.item.dim() == 2 || (p.item.dim() == 3 && p.item.size(0) == 1)),
              "compose_scene", "item ", index, " must be a float32 (h, w) or (1, h, w) image");
  NABLA_CHECK(p.label >= 0 && p.label < kItemClasses, "compose_scene", "item ", index,
              " has label ", p.label, "; labels are Fashion-MNIST classes 0..9");
  NABLA_CHECK(p.size >= 1 && p.x >= 0 && p.y >= 0 && p.x + p.size <= c.w && p.y + p.size <= c.h,
              "compose_scene", "item ", index, " (", p.size, " px at x=", p.x, ", y=", p.y,
              ") does not lie wholly on the ", c.h, "x", c.w, " canvas");
  const Tensor src = p.item.clone_data();
  std::vector<float> scaled(p.size * p.size);
  bilinear_resize_plane(src.data<float>(), src.size(-2), src.size(-1), scaled.data(), p.size,
                        p.size);
  for (int64_t y = 0; y < p.size; ++y)
    for (int64_t x = 0; x < p.size; ++x) {
      const float v = scaled[y * p.size + x];
      if (!(v > threshold)) continue;
      const int64_t at = (p.y + y) * c.w + p.x + x;
      c.pixels[at] = std::min(v, 1.0f);
      c.owner[at] = index;
    }
}

// Tight boxes and areas from the final ownership; hidden items are left out.
std::vector<SceneObject> measure(const Canvas& c, const std::vector<Placement>& items) {
  const auto n = static_cast<int64_t>(items.size());
  std::vector<int64_t> x0(n, c.w), y0(n, c.h), x1(n, -1), y1(n, -1), area(n, 0);
  for (int64_t y = 0; y < c.h; ++y)
    for (int64_t x = 0; x < c.w; ++x) {
      const int32_t o = c.owner[y * c.w + x];
      if (o < 0) continue;
      x0[o] = std::min(x0[o], x), x1[o] = std::max(x1[o], x);
      y0[o] = std::min(y0[o], y), y1[o] = std::max(y1[o], y);
      ++area[o];
    }
  std::vector<SceneObject> objects;
  for (int64_t i = 0; i < n; ++i) {
    if (area[i] == 0) continue;
    objects.push_back({items[i].label, x0[i], y0[i], x1[i] - x0[i] + 1, y1[i] - y0[i] + 1, area[i],
                       items[i].source_index});
  }
  return objects;
}

}  // namespace

Scene compose_scene(const Tensor& background, const std::vector<Placement>& items,
                    double threshold) {
  NABLA_CHECK(background.defined() && background.dtype() == DType::Float32 &&
                  (background.dim() == 2 || (background.dim() == 3 && background.size(0) == 1)),
              "compose_scene", "the background must be a float32 (H, W) or (1, H, W) image");
  Canvas c;
  c.h = background.size(-2);
  c.w = background.size(-1);
  c.pixels = background.to_vector<float>();
  c.owner.assign(c.h * c.w, -1);
  for (size_t i = 0; i < items.size(); ++i) paint(c, items[i], static_cast<int32_t>(i), threshold);
  Scene s;
  s.objects = measure(c, items);
  std::vector<int64_t> mask(c.h * c.w, 0);
  for (int64_t i = 0; i < c.h * c.w; ++i)
    if (c.owner[i] >= 0) mask[i] = 1 + items[c.owner[i]].label;
  s.image = Tensor::from_vector(c.pixels, {1, c.h, c.w});
  s.mask = Tensor::from_vector(mask, {c.h, c.w});
  return s;
}

namespace {

// splitmix64's finaliser: spreads (seed, index) over the generator's whole seed space, so
// neighbouring seeds or indices give unrelated scenes.
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

int64_t uniform_int(Generator& g, int64_t lo, int64_t hi) {  // inclusive
  return lo + static_cast<int64_t>(g.below(static_cast<uint64_t>(hi - lo + 1)));
}

}  // namespace

SceneGenerator::SceneGenerator(data::TensorDataset items, SceneOptions options, uint64_t seed)
    : items_(std::move(items)), options_(options), seed_(seed) {
  check_scene_options(options_);
  NABLA_CHECK(items_.size() > 0 && items_.sample_shape().size() == 3 &&
                  items_.sample_shape()[0] == 1 && items_.inputs().dtype() == DType::Float32 &&
                  items_.targets().dtype() == DType::Int64,
              "scenes", "items must be float32 (N, 1, h, w) images with int64 labels, got ",
              items_.size(), " samples of shape ", shape_str(items_.sample_shape()));
}

Scene SceneGenerator::scene(int64_t index) const {
  NABLA_CHECK(index >= 0, "scenes", "scene index must be >= 0, got ", index);
  Generator g(mix(seed_ ^ mix(static_cast<uint64_t>(index) + 1)));
  const Tensor background = scene_background(items_, options_, g);
  const int64_t count = uniform_int(g, options_.min_items, options_.max_items);
  std::vector<Placement> items;
  for (int64_t i = 0; i < count; ++i) {
    Placement p;
    p.source_index = static_cast<int64_t>(g.below(static_cast<uint64_t>(items_.size())));
    const data::Batch b = items_.get(p.source_index);
    p.item = b.inputs.select(0, 0);
    p.label = static_cast<int64_t>(b.targets.item());
    p.size = uniform_int(g, options_.min_item_size, options_.max_item_size);
    p.x = uniform_int(g, 0, options_.width - p.size);
    p.y = uniform_int(g, 0, options_.height - p.size);
    items.push_back(std::move(p));
  }
  Scene s = compose_scene(background, items, options_.threshold);
  add_noise(s.image, options_.noise, g);
  return s;
}

std::vector<Scene> make_scenes(const data::TensorDataset& items, int64_t count, uint64_t seed,
                               const SceneOptions& options) {
  NABLA_CHECK(count >= 0, "scenes", "count must be >= 0, got ", count);
  const SceneGenerator gen(items, options, seed);
  std::vector<Scene> scenes;
  scenes.reserve(count);
  for (int64_t i = 0; i < count; ++i) scenes.push_back(gen.scene(i));
  return scenes;
}

std::vector<Scene> make_fashion_scenes(Split split, int64_t count, uint64_t seed,
                                       const SceneOptions& options, const std::string& dir) {
  check_scene_options(options);  // before the seconds spent reading the dataset
  data::TrainTestSplit fm = data::FashionMnist::load(dir);
  return make_scenes(split == Split::Train ? fm.train : fm.test, count, seed, options);
}

}  // namespace nabla::vision
