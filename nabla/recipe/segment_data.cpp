// The data side of segmentation runs: scenes -> datasets, the [data] table, scoring a model.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <ostream>

#include "nabla/autograd/node.hpp"
#include "nabla/data/fashion_mnist.hpp"
#include "nabla/ops/shape.hpp"
#include "nabla/recipe/segment.hpp"
#include "nabla/vision/component_vote.hpp"
#include "nabla/vision/eval_mode.hpp"

namespace nabla::recipe {

namespace {

// Scenes 0..count-1 of `gen`, written straight into the dataset's tensors (a vector of Scene
// would hold every scene twice).
data::TensorDataset generate(const vision::SceneGenerator& gen, int64_t count) {
  const int64_t H = gen.options().height, W = gen.options().width;
  std::vector<float> images(static_cast<size_t>(count * H * W));
  std::vector<int64_t> masks(images.size());
  for (int64_t i = 0; i < count; ++i) {
    const vision::Scene s = gen.scene(i);
    const std::vector<float> im = s.image.to_vector<float>();
    const std::vector<int64_t> m = s.mask.to_vector<int64_t>();
    std::copy(im.begin(), im.end(), images.begin() + i * H * W);
    std::copy(m.begin(), m.end(), masks.begin() + i * H * W);
  }
  return data::TensorDataset(Tensor::from_vector(images, {count, 1, H, W}),
                             Tensor::from_vector(masks, {count, H, W}));
}

}  // namespace

data::TensorDataset scenes_dataset(const std::vector<vision::Scene>& scenes) {
  NABLA_CHECK(!scenes.empty(), "scenes_dataset", "no scenes");
  std::vector<Tensor> images, masks;
  for (const auto& s : scenes) {
    images.push_back(s.image.contiguous());
    masks.push_back(s.mask.contiguous());
  }
  return data::TensorDataset(stack(images, 0), stack(masks, 0));
}

SceneSplits load_scene_splits(const io::Config& cfg, bool with_train) {
  const io::Config d = cfg.get_table("data");
  const std::string dataset = d.get_string("dataset", "");
  NABLA_CHECK(dataset == "scenes", "data.dataset",
              "a segmentation config needs dataset = \"scenes\", got \"", dataset,
              "\" (classification configs train with `nabla train`)");
  SceneSplits s;
  s.size = d.get_int("size", 96);
  NABLA_CHECK(s.size >= 16 && s.size <= 512, "data.size",
              "the scene side must be in [16, 512], got ", s.size);
  const int64_t n_train = d.get_int("train_scenes", 2000), n_test = d.get_int("test_scenes", 500);
  NABLA_CHECK(n_train >= 1 && n_test >= 1, "data",
              "train_scenes and test_scenes must be >= 1, got ", n_train, " and ", n_test);
  vision::SceneOptions o;
  o.height = o.width = s.size;
  o.min_item_size = d.get_int("min_item_size", std::min<int64_t>(o.min_item_size, s.size));
  o.max_item_size = d.get_int("max_item_size", std::min<int64_t>(o.max_item_size, s.size));
  vision::check_scene_options(o);  // names the bad option and its range
  const auto seed = static_cast<uint64_t>(cfg.get_int("seed", 0));
  const std::string root = d.get_string("root", data::FashionMnist::kDefaultDir);
  if (with_train) {
    const data::TrainTestSplit fm = data::FashionMnist::load(root);
    s.train = generate(vision::SceneGenerator(fm.train, o, seed), n_train);
    s.test = generate(vision::SceneGenerator(fm.test, o, seed), n_test);
  } else {  // eval, predict, report: the test items are enough
    s.test = generate(vision::SceneGenerator(data::FashionMnist::load_test(root), o, seed), n_test);
  }
  return s;
}

vision::SegmentationMetrics evaluate_segmentation(nn::Module& net, const data::TensorDataset& data,
                                                  int64_t batch_size,
                                                  vision::SegmentationMetrics* voted) {
  NABLA_CHECK(batch_size > 0, "evaluate_segmentation", "batch_size must be positive, got ",
              batch_size);
  vision::EvalModeGuard mode(net);
  autograd::NoGradGuard no_grad;
  vision::SegmentationMetrics m(vision::kSceneClasses);
  for (int64_t begin = 0; begin < data.size(); begin += batch_size) {
    std::vector<int64_t> idx(
        static_cast<size_t>(std::min(data.size(), begin + batch_size) - begin));
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = begin + static_cast<int64_t>(i);
    const data::Batch b = data.get_batch(idx);
    const Tensor scores = net.forward(b.inputs);
    m.add(vision::predict_classes(scores), b.targets);
    if (voted != nullptr) voted->add(vision::vote_components(scores), b.targets);
  }
  return m;
}

Tensor predict_scores(nn::Module& net, const Tensor& image) {
  NABLA_CHECK(image.dim() == 3 && image.size(0) == 1, "segment",
              "expected a grey (1, H, W) scene, got ", shape_str(image.shape()));
  vision::EvalModeGuard mode(net);
  autograd::NoGradGuard no_grad;
  return net.forward(image.unsqueeze(0));
}

void print_segmentation_metrics(std::ostream& out, const vision::SegmentationMetrics& m) {
  const std::vector<double> iou = m.class_iou();
  const auto& names = data::FashionMnist::class_names();
  out << std::fixed << std::setprecision(4);
  for (int64_t c = 0; c < m.num_classes(); ++c) {
    int64_t truth = 0;
    for (int64_t k = 0; k < m.num_classes(); ++k) truth += m.confusion(c, k);
    const std::string name = c == 0 ? "background" : names.at(static_cast<size_t>(c - 1));
    out << "  " << std::left << std::setw(12) << name << std::right << " IoU ";
    if (std::isnan(iou[static_cast<size_t>(c)]))
      out << "   -  ";
    else
      out << iou[static_cast<size_t>(c)];
    out << "  (" << truth << " pixels)\n";
  }
  out << "mean IoU " << m.mean_iou() << " (over the classes in truth or prediction)\n"
      << "pixel accuracy " << m.pixel_accuracy() << " (" << m.pixels() << " pixels)\n";
  out << std::defaultfloat << std::setprecision(6);
}

}  // namespace nabla::recipe
