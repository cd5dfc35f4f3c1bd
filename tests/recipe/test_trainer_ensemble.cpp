// Cross-validation and ensembles on small synthetic data with fixed seeds.
#include "nabla/io/config.hpp"
#include "nabla/recipe/cv.hpp"
#include "nabla/recipe/ensemble.hpp"
#include "nabla/recipe/stats.hpp"
#include "tests/support/trainer_fixtures.hpp"

namespace nabla::test {
namespace {

// Noisy 4-class 8x8 images and a small MLP trained briefly: members are good but imperfect,
// and differ by their bootstrap sample and init.
io::Config small_config(int64_t epochs) {
  return io::parse_config(R"(
seed = 11
[data]
dataset = "synthetic"
classes = 4
image_size = 8
train_size = 300
test_size = 400
noise = 1.6
[model]
name = "small_mlp"
layers = [ { type = "flatten" }, { type = "linear", out = 16 }, { type = "relu" }, { type = "linear", out = 4 } ]
[optimizer]
name = "adam"
lr = 0.01
[train]
batch_size = 32
epochs = )" + std::to_string(epochs) +
                              "\n",
                          "small.toml");
}

TEST(Ensemble, BaggingBeatsTheMeanMember) {
  recipe::EnsembleResult r = recipe::train_ensemble(small_config(8), "bagging", 7);
  ASSERT_EQ(r.members.size(), 7u);
  for (const auto& m : r.members) {
    EXPECT_GT(m.test_acc, 0.3);          // better than chance (0.25)
    EXPECT_LT(m.distinct_samples, 300);  // a bootstrap sample repeats some
    EXPECT_GT(m.distinct_samples, 150);  // ~63% distinct
  }
  EXPECT_GT(r.ensemble_acc, r.mean_member_acc) << "bagging should beat its average member";
}

TEST(Ensemble, BoostingReweightsAndCombines) {
  recipe::EnsembleResult r = recipe::train_ensemble(small_config(3), "boosting", 4);
  ASSERT_FALSE(r.members.empty());
  for (const auto& m : r.members) {
    EXPECT_GT(m.weighted_error, 0.0);
    EXPECT_LT(m.weighted_error, 0.75);  // better than chance on the weighted data
    EXPECT_GT(m.alpha, 0.0);            // SAMME: log((1-e)/e) + log(K-1) > 0 when e < 1 - 1/K
  }
  // the first member's error is unweighted; later members see harder (re-weighted) samples
  EXPECT_GE(r.ensemble_acc, 0.3);
}

TEST(Ensemble, RejectsBadArguments) {
  EXPECT_THROW(recipe::train_ensemble(small_config(1), "stacking", 3), Error);
  EXPECT_THROW(recipe::train_ensemble(small_config(1), "bagging", 0), Error);
}

TEST(CrossValidation, FoldsCoverTheTrainingSetOnce) {
  recipe::CvResult r = recipe::cross_validate(small_config(2), 3);
  ASSERT_EQ(r.folds.size(), 3u);
  int64_t val_total = 0;
  std::vector<double> accs;
  for (const auto& f : r.folds) {
    EXPECT_EQ(f.train_size + f.val_size, 300);
    val_total += f.val_size;
    accs.push_back(f.val_acc);
  }
  EXPECT_EQ(val_total, 300);
  auto [m, s] = recipe::mean_std(accs);
  EXPECT_DOUBLE_EQ(r.mean_acc, m);
  EXPECT_DOUBLE_EQ(r.std_acc, s);
  EXPECT_GT(r.mean_acc, 0.3);
  EXPECT_THROW(recipe::cross_validate(small_config(1), 1), Error);
}

TEST(CrossValidation, MeanStd) {
  auto [m, s] = recipe::mean_std({1.0, 2.0, 3.0});
  EXPECT_DOUBLE_EQ(m, 2.0);
  EXPECT_DOUBLE_EQ(s, 1.0);
}

}  // namespace
}  // namespace nabla::test
