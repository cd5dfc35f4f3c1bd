// vision::vote_components: one class per 8-connected foreground region, by summed probability.
#include <gtest/gtest.h>

#include "nabla/vision/component_vote.hpp"

namespace nabla::test {
namespace {

// (1, 3, H, W) scores where pixel (y, x) strongly favours class labels[y][x].
Tensor scores_for(const std::vector<std::vector<int64_t>>& labels, float margin = 4.f) {
  const int64_t H = static_cast<int64_t>(labels.size()), W = static_cast<int64_t>(labels[0].size());
  std::vector<float> v(static_cast<size_t>(3 * H * W), 0.f);
  for (int64_t y = 0; y < H; ++y)
    for (int64_t x = 0; x < W; ++x) v[labels[y][x] * H * W + y * W + x] = margin;
  return Tensor::from_vector(v, {1, 3, H, W});
}

TEST(ComponentVote, ARegionTakesTheClassOfMostOfItsProbability) {
  // left region: three pixels of class 1, one of class 2 -> all 1; right region (not touching,
  // not even diagonally): class 2 alone -> stays 2; background stays 0
  const Tensor s = scores_for({{1, 1, 0, 0, 2},  //
                               {1, 2, 0, 0, 2},  //
                               {0, 0, 0, 0, 0}});
  const std::vector<int64_t> got = vision::vote_components(s).to_vector<int64_t>();
  const std::vector<int64_t> want = {1, 1, 0, 0, 2,  //
                                     1, 1, 0, 0, 2,  //
                                     0, 0, 0, 0, 0};
  EXPECT_EQ(got, want);
}

TEST(ComponentVote, DiagonalNeighboursJoinOneRegion) {
  // (0,0) class 2 touches (1,1) class 1 and (2,2) class 1 through corners: one region, 1 wins
  const Tensor s = scores_for({{2, 0, 0}, {0, 1, 0}, {0, 0, 1}});
  EXPECT_EQ(vision::vote_components(s).to_vector<int64_t>(),
            (std::vector<int64_t>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
}

TEST(ComponentVote, SummedProbabilityNotPixelCountDecides) {
  // two pixels lean weakly to class 1, one pixel is sure of class 2: the mass of class 2 wins
  std::vector<float> v(3 * 1 * 3, 0.f);
  auto at = [&](int64_t k, int64_t x) -> float& { return v[k * 3 + x]; };
  at(1, 0) = 1.0f, at(2, 0) = 0.9f;  // pixel 0: P(1) barely above P(2)
  at(1, 1) = 1.0f, at(2, 1) = 0.9f;
  at(2, 2) = 9.0f;  // pixel 2: class 2 for sure
  const Tensor s = Tensor::from_vector(v, {1, 3, 1, 3});
  EXPECT_EQ(vision::vote_components(s).to_vector<int64_t>(), (std::vector<int64_t>{2, 2, 2}));
}

TEST(ComponentVote, EachImageOfTheBatchIsItsOwn) {
  const Tensor a = scores_for({{1, 2}}), b = scores_for({{2, 2}});
  const std::vector<float> va = a.to_vector<float>(), vb = b.to_vector<float>();
  std::vector<float> both(va);
  both.insert(both.end(), vb.begin(), vb.end());
  const Tensor s = Tensor::from_vector(both, {2, 3, 1, 2});
  const std::vector<int64_t> got = vision::vote_components(s).to_vector<int64_t>();
  EXPECT_EQ(got[2], 2);
  EXPECT_EQ(got[3], 2);
  EXPECT_EQ(got[0], got[1]);  // a tie of masses: one class for the region, whichever
}

TEST(ComponentVote, BadShapesAreClearErrors) {
  EXPECT_THROW(vision::vote_components(Tensor::zeros({3, 4, 4})), Error);
  EXPECT_THROW(vision::vote_components(Tensor::zeros({1, 1, 4, 4})), Error);
}

}  // namespace
}  // namespace nabla::test
