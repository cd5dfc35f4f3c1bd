#include "nabla/recipe/stats.hpp"

#include <cmath>
#include <limits>

namespace nabla::recipe {

std::pair<double, double> mean_std(const std::vector<double>& v) {
  if (v.empty())
    return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
  double m = 0;
  for (double x : v) m += x;
  m /= static_cast<double>(v.size());
  if (v.size() == 1) return {m, 0.0};
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return {m, std::sqrt(s / static_cast<double>(v.size() - 1))};
}

}  // namespace nabla::recipe
