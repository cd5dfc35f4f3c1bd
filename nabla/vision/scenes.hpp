// Segmentation and detection scenes made of real Fashion-MNIST items (notes §9-1: semantic
// segmentation labels every pixel; §9-2 detection boxes every object). A scene is a canvas with
// 1 to 5 items at random positions and scales on a textured background, with its exact labels:
// a per-pixel class mask and one tight box per visible item.
//
// Deterministic: scene i of a seed depends only on (seed, i, options, split), through nabla's
// own Generator (never std:: distributions, which differ between standard libraries), so the
// same command writes the same scenes on every machine, and the first 10 scenes of a 500-scene
// set are the 10 scenes of a 10-scene set.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nabla/core/random.hpp"
#include "nabla/core/tensor.hpp"
#include "nabla/data/dataset.hpp"
#include "nabla/data/fashion_mnist.hpp"

namespace nabla::vision {

// Mask classes: 0 background, 1 + k for Fashion-MNIST class k (also the COCO category id).
inline constexpr int64_t kSceneClasses = 11;
inline constexpr int64_t kItemClasses = 10;

// Train scenes use only training-set items, test scenes only test-set items, so a model
// trained on train scenes is never scored on a garment it has seen.
enum class Split { Train, Test };
Split split_from_name(const std::string& name);  // "train" | "test", else nabla::Error
const char* split_name(Split split);

struct SceneOptions {
  int64_t height = 112;  // canvas; at least max_item_size
  int64_t width = 112;
  int64_t min_items = 1;
  int64_t max_items = 5;
  int64_t min_item_size = 20;  // side in pixels the 28x28 item is resized to (bilinear)
  int64_t max_item_size = 64;
  // Background texture, so that "bright pixel = object" does not segment a scene:
  double noise = 0.06;      // per-pixel uniform noise of +- this
  double shading = 0.3;     // at most this much smooth brightening (a ramp and a soft blob)
  int64_t max_clutter = 8;  // up to this many fragments of other items, at most half an item
  double threshold = 0.1;   // an item pixel is "object" when its resized intensity exceeds it
};
// nabla::Error naming the bad option and the valid range.
void check_scene_options(const SceneOptions& options);

struct SceneObject {
  int64_t label = 0;                   // Fashion-MNIST class, 0..9
  int64_t x = 0, y = 0, w = 0, h = 0;  // tight box around the item's visible pixels
  int64_t area = 0;                    // visible pixels (the mask's pixels of this item)
  int64_t source_index = -1;           // the item's index in its split; -1 if not from one
  friend bool operator==(const SceneObject&, const SceneObject&) = default;
};

struct Scene {
  Tensor image;  // float32 (1, H, W) in [0, 1]
  Tensor mask;   // int64 (H, W): 0 background, 1 + label where an item is visible
  std::vector<SceneObject> objects;  // painting order (later on top); fully hidden items dropped
};

// One item to paint: resized to size x size, top-left corner at (x, y), wholly on the canvas.
struct Placement {
  Tensor item;  // float32 (h, w) or (1, h, w) intensities in [0, 1] (Fashion-MNIST: 28x28)
  int64_t label = 0;
  int64_t x = 0, y = 0;
  int64_t size = 28;
  int64_t source_index = -1;
};

// Paints `items` in order on `background` ((H, W) or (1, H, W) float32). A pixel belongs to an
// item when the item's resized intensity there exceeds `threshold` (Fashion-MNIST items are
// light on black: the black around the garment is not the garment); the item's value replaces
// what was below, so a later item wins an overlap. Boxes and areas are measured on the final
// ownership, so they fit what is visible; an item left with no pixel is dropped.
Scene compose_scene(const Tensor& background, const std::vector<Placement>& items,
                    double threshold = 0.1);

// The textured background of one scene: shading and clutter fragments of `items`, (1, H, W).
Tensor scene_background(const data::TensorDataset& items, const SceneOptions& options,
                        Generator& gen);
// Adds uniform noise of +- amount to every pixel of a contiguous float32 image, clamped to
// [0, 1] (the last step of a scene: noise lies over items and background alike).
void add_noise(Tensor& image, double amount, Generator& gen);

// Scenes from `items` (inputs (N, 1, h, w) in [0, 1], int64 targets (N) in [0, 10)).
class SceneGenerator {
 public:
  SceneGenerator(data::TensorDataset items, SceneOptions options, uint64_t seed);
  // Scene `index` of this seed: its own Generator, seeded from (seed, index), so scenes can be
  // made in any order or in parallel.
  Scene scene(int64_t index) const;
  const SceneOptions& options() const { return options_; }

 private:
  data::TensorDataset items_;
  SceneOptions options_;
  uint64_t seed_;
};

std::vector<Scene> make_scenes(const data::TensorDataset& items, int64_t count, uint64_t seed,
                               const SceneOptions& options = {});
// Same from Fashion-MNIST in `dir` (IoError when it is not installed), `split`'s items only.
std::vector<Scene> make_fashion_scenes(Split split, int64_t count, uint64_t seed,
                                       const SceneOptions& options = {},
                                       const std::string& dir = data::FashionMnist::kDefaultDir);

}  // namespace nabla::vision
