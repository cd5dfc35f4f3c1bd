// A user's program built against an installed nabla: a 2-32-32-2 MLP learns to separate two
// interleaved spirals with Adam. Prints the loss before and after and the training accuracy;
// exits 1 when the net did not learn (accuracy below 0.95), so a test can run it.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "nabla/nabla.hpp"

using namespace nabla;

int main() {
  // 2 x 200 points on two spirals, with a little noise; drawn with <random> so the data do not
  // depend on nabla's own generator
  const int per_class = 200;
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.f, 0.05f);
  std::vector<float> xy;
  std::vector<int64_t> label;
  for (int c = 0; c < 2; ++c) {
    for (int i = 0; i < per_class; ++i) {
      const float r = 0.1f + 0.9f * static_cast<float>(i) / per_class;
      const float t = 3.5f * r * 3.14159265f + static_cast<float>(c) * 3.14159265f;
      xy.push_back(r * std::cos(t) + noise(rng));
      xy.push_back(r * std::sin(t) + noise(rng));
      label.push_back(c);
    }
  }
  const int64_t n = 2 * per_class;
  Tensor x = Tensor::from_vector(xy, {n, 2});
  Tensor y = Tensor::from_vector(label, {n});

  manual_seed(0);
  nn::Sequential net{nn::Linear(2, 32), nn::Tanh(), nn::Linear(32, 32), nn::Tanh(),
                     nn::Linear(32, 2)};
  optim::Adam opt(net.parameters(), {.lr = 0.02});
  nn::CrossEntropyLoss loss_fn;

  double first = 0, last = 0;
  for (int step = 0; step < 600; ++step) {  // full batch
    opt.zero_grad();
    Tensor loss = loss_fn(net(x), y);
    loss.backward();
    opt.step();
    if (step == 0) first = loss.item();
    last = loss.item();
  }
  autograd::NoGradGuard no_grad;
  const double accuracy = mean(eq(argmax(net(x), 1), y).to(DType::Float32)).item();
  std::printf("spiral: %lld parameters, loss %.4f -> %.4f, training accuracy %.3f\n",
              static_cast<long long>(net.num_parameters()), first, last, accuracy);
  return accuracy >= 0.95 ? 0 : 1;
}
