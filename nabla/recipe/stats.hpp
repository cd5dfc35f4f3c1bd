// Summary statistics of repeated runs (CV folds, ensemble members).
#pragma once
#include <utility>
#include <vector>

namespace nabla::recipe {

// mean and sample std of values (std = 0 for one value; NaN, NaN for none).
std::pair<double, double> mean_std(const std::vector<double>& v);

}  // namespace nabla::recipe
