// nabla scenes --out DIR --count N [--split train|test] [--seed S] [--size 112]: segmentation
// and detection scenes of Fashion-MNIST items, as PNGs plus COCO-style annotations.json.
#include <chrono>
#include <iostream>

#include "commands.hpp"
#include "nabla/data/fashion_mnist.hpp"
#include "nabla/vision/scene_files.hpp"
#include "nabla/vision/scenes.hpp"

namespace nabla::app {

CLI::App* add_scenes_command(CLI::App& app, ScenesArgs& a) {
  auto* c = app.add_subcommand(
      "scenes",
      "Write segmentation/detection scenes made of Fashion-MNIST items (PNG + COCO JSON)");
  c->add_option("--out", a.out, "folder to write (created if missing)")->required();
  c->add_option("--count", a.count, "number of scenes")->required()->check(int_range(1, 1000000));
  c->add_option("--split", a.split, "take the items from Fashion-MNIST's train or test set")
      ->check(CLI::IsMember({"train", "test"}));
  c->add_option("--seed", a.seed, "same seed, same scenes on every machine")->check(int_range(0));
  c->add_option("--size", a.size, "canvas side in pixels (items are 20 to 64 px)")
      ->check(int_range(64, 1024));
  c->add_option(
      "--data", a.data,
      std::string("Fashion-MNIST folder (default ") + data::FashionMnist::kDefaultDir + ")");
  return c;
}

Outcome run_scenes_command(const ScenesArgs& a, const Context&) {
  const auto start = std::chrono::steady_clock::now();
  vision::SceneOptions options;
  options.height = options.width = a.size;
  const vision::Split split = vision::split_from_name(a.split);
  const data::TrainTestSplit fm =
      data::FashionMnist::load(a.data.empty() ? data::FashionMnist::kDefaultDir : a.data);
  const vision::SceneGenerator gen(split == vision::Split::Train ? fm.train : fm.test, options,
                                   static_cast<uint64_t>(a.seed));
  vision::SceneWriter writer(a.out, {a.split, static_cast<uint64_t>(a.seed), options});
  for (int64_t i = 0; i < a.count; ++i) writer.add(gen.scene(i));
  writer.finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "wrote " << writer.count() << " scenes (" << a.size << "x" << a.size << ", "
            << writer.object_count() << " objects, " << a.split << " items, seed " << a.seed
            << ") to " << a.out << "/ in " << seconds << " s: " << vision::scene_file_name(0)
            << ", " << vision::scene_mask_file_name(0) << " (grey = class * 20), ..., "
            << vision::kAnnotationsFile << std::endl;
  return Outcome::Ok;
}

}  // namespace nabla::app
