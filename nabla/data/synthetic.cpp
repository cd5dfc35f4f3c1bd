#include "nabla/data/synthetic.hpp"

#include <algorithm>

#include "nabla/core/error.hpp"
#include "nabla/core/random.hpp"

namespace nabla::data {

TensorDataset make_synthetic_images(int64_t n, int64_t classes, int64_t size, double noise,
                                    uint64_t seed, uint64_t template_seed) {
  NABLA_CHECK(n > 0 && classes > 1 && size > 0 && noise >= 0, "synthetic data",
              "needs n > 0, classes > 1, image_size > 0, noise >= 0; got n=", n,
              " classes=", classes, " image_size=", size, " noise=", noise);
  Generator tg(template_seed);
  Tensor templates = Tensor::rand({classes, size * size}, DType::Float32, &tg);
  const auto tv = templates.to_vector<float>();
  Generator g(seed);
  std::vector<float> x(n * size * size);
  std::vector<int64_t> y(n);
  for (int64_t i = 0; i < n; ++i) {
    y[i] = static_cast<int64_t>(g.below(classes));
    for (int64_t j = 0; j < size * size; ++j) {
      const double v = tv[y[i] * size * size + j] + noise * g.normal();
      x[i * size * size + j] = static_cast<float>(std::min(1.0, std::max(0.0, v)));
    }
  }
  return TensorDataset(Tensor::from_vector(x, {n, 1, size, size}), Tensor::from_vector(y, {n}));
}

}  // namespace nabla::data
