#include "nabla/data/split.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace nabla::data {

std::vector<int64_t> permutation(int64_t n, Generator& gen) {
  NABLA_CHECK(n >= 0, "permutation", "n must be >= 0, got ", n);
  std::vector<int64_t> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  for (size_t i = p.size(); i > 1; --i) std::swap(p[i - 1], p[gen.below(i)]);
  return p;
}

IndexSplit train_val_split(int64_t n, double val_fraction, uint64_t seed) {
  NABLA_CHECK(n >= 0, "train_val_split", "n must be >= 0, got ", n);
  NABLA_CHECK(val_fraction >= 0 && val_fraction < 1, "train_val_split",
              "val_fraction must be in [0, 1), got ", val_fraction);
  Generator gen(seed);
  const std::vector<int64_t> p = permutation(n, gen);
  const auto n_val = static_cast<size_t>(std::llround(static_cast<double>(n) * val_fraction));
  IndexSplit s;
  s.val.assign(p.begin(), p.begin() + n_val);
  s.train.assign(p.begin() + n_val, p.end());
  std::sort(s.val.begin(), s.val.end());
  std::sort(s.train.begin(), s.train.end());
  return s;
}

std::pair<TensorDataset, TensorDataset> train_val_split(const TensorDataset& ds,
                                                        double val_fraction, uint64_t seed) {
  const IndexSplit s = train_val_split(ds.size(), val_fraction, seed);
  return {ds.subset(s.train), ds.subset(s.val)};
}

std::vector<IndexSplit> kfold(int64_t n, int64_t k, uint64_t seed, bool shuffle) {
  NABLA_CHECK(k >= 2, "kfold", "need at least 2 folds, got ", k);
  NABLA_CHECK(n >= k, "kfold", "cannot split ", n, " samples into ", k,
              " folds (need at least one sample per fold)");
  std::vector<int64_t> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  if (shuffle) {
    Generator gen(seed);
    p = permutation(n, gen);
  }
  std::vector<IndexSplit> folds(static_cast<size_t>(k));
  int64_t begin = 0;
  for (int64_t f = 0; f < k; ++f) {
    const int64_t len = n / k + (f < n % k ? 1 : 0);
    IndexSplit& s = folds[static_cast<size_t>(f)];
    s.val.assign(p.begin() + begin, p.begin() + begin + len);
    s.train.reserve(static_cast<size_t>(n - len));
    s.train.insert(s.train.end(), p.begin(), p.begin() + begin);
    s.train.insert(s.train.end(), p.begin() + begin + len, p.end());
    std::sort(s.val.begin(), s.val.end());
    std::sort(s.train.begin(), s.train.end());
    begin += len;
  }
  return folds;
}

BootstrapSample bootstrap(int64_t n, Generator& gen, int64_t size) {
  NABLA_CHECK(n > 0, "bootstrap", "need at least one sample, got n = ", n);
  if (size < 0) size = n;
  BootstrapSample b;
  b.in_bag.resize(static_cast<size_t>(size));
  std::vector<char> drawn(static_cast<size_t>(n), 0);
  for (auto& v : b.in_bag) {
    v = static_cast<int64_t>(gen.below(static_cast<uint64_t>(n)));
    drawn[static_cast<size_t>(v)] = 1;
  }
  for (int64_t i = 0; i < n; ++i)
    if (!drawn[static_cast<size_t>(i)]) b.out_of_bag.push_back(i);
  return b;
}

std::vector<int64_t> weighted_sample(const std::vector<double>& weights, int64_t size,
                                     Generator& gen) {
  NABLA_CHECK(!weights.empty(), "weighted_sample", "weights are empty");
  NABLA_CHECK(size >= 0, "weighted_sample", "size must be >= 0, got ", size);
  std::vector<double> cdf(weights.size());
  double total = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    NABLA_CHECK(weights[i] >= 0 && std::isfinite(weights[i]), "weighted_sample",
                "weights must be finite and >= 0, got weights[", i, "] = ", weights[i]);
    total += weights[i];
    cdf[i] = total;
  }
  NABLA_CHECK(total > 0, "weighted_sample", "weights sum to zero");
  std::vector<int64_t> out(static_cast<size_t>(size));
  for (auto& v : out) {
    const double u = gen.uniform() * total;
    auto it = std::upper_bound(cdf.begin(), cdf.end(), u);
    // u < total always, but rounding can put it at the end; zero-weight tails are skipped.
    if (it == cdf.end()) --it;
    while (it != cdf.begin() && weights[static_cast<size_t>(it - cdf.begin())] == 0) --it;
    v = it - cdf.begin();
  }
  return out;
}

}  // namespace nabla::data
