// RBM layer-wise pre-training, then fine-tuning by backprop (notes section 7).
//
// 1. Greedy pre-training of a 784-256-128 stack of RBMs (CD-1) on Fashion-MNIST pixels used as
//    probabilities, without labels.
// 2. The RBM weights initialise the first two layers of a 784-256-128-10 sigmoid MLP; the 10-way
//    head keeps its default init. Adam fine-tunes it on a small labelled subset.
// 3. The same net with nabla's default (torch-style uniform) init is trained identically, and
//    both test accuracies are printed.
//
//   ninja -C build example_rbm_pretrain && ./build/examples/rbm_pretrain [labelled=2000] [epochs=2]
//   [unlabelled=10000] [rbm_epochs=3]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "nabla/data/fashion_mnist.hpp"
#include "nabla/data/loader.hpp"
#include "nabla/nn/activation.hpp"
#include "nabla/nn/container.hpp"
#include "nabla/nn/linear.hpp"
#include "nabla/nn/loss.hpp"
#include "nabla/nn/rbm.hpp"
#include "nabla/ops/shape.hpp"
#include "nabla/optim/adam.hpp"
#include "nabla/train/evaluate.hpp"

using namespace nabla;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

nn::Sequential make_net() {
  return nn::Sequential{nn::Flatten(),        nn::Linear(784, 256), nn::Sigmoid(),
                        nn::Linear(256, 128), nn::Sigmoid(),        nn::Linear(128, 10)};
}

// Adam fine-tuning for `epochs` over `train`; returns the test accuracy after each epoch.
std::vector<double> fine_tune(nn::Sequential& net, const data::TensorDataset& train,
                              const data::TensorDataset& test, int64_t epochs) {
  optim::Adam opt(net.parameters(), {.lr = 1e-3});
  nn::CrossEntropyLoss loss;
  data::DataLoader loader(train, {.batch_size = 64, .seed = 5, .prefetch = 0});
  std::vector<double> acc;
  for (int64_t e = 0; e < epochs; ++e) {
    net.train();
    for (const data::Batch& b : loader) {
      opt.zero_grad();
      Tensor l = loss(net(b.inputs), b.targets);
      l.backward();
      opt.step();
    }
    acc.push_back(train::evaluate(net, test).accuracy);
  }
  return acc;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t labelled = argc > 1 ? std::atoll(argv[1]) : 2000;
  const int64_t epochs = argc > 2 ? std::atoll(argv[2]) : 2;
  const int64_t unlabelled = argc > 3 ? std::atoll(argv[3]) : 10000;
  const int64_t rbm_epochs = argc > 4 ? std::atoll(argv[4]) : 3;
  try {
    auto t0 = std::chrono::steady_clock::now();
    data::TrainTestSplit fm = data::FashionMnist::load();
    data::TensorDataset test = fm.test;

    // Unlabelled pre-training data: grey levels in [0, 1] read as Bernoulli probabilities.
    Tensor pixels = reshape(fm.train.take(unlabelled).all().inputs, {-1, 784});
    std::printf("pre-training 784-256-128 on %lld unlabelled images, %lld CD-1 epochs per layer\n",
                static_cast<long long>(pixels.size(0)), static_cast<long long>(rbm_epochs));
    nn::RbmOptions ro{.k = 1, .lr = 0.05, .momentum = 0.5, .batch_size = 64, .seed = 1};
    auto t1 = std::chrono::steady_clock::now();
    auto layers = nn::pretrain_stack(pixels, {784, 256, 128}, rbm_epochs, ro, &std::cout);
    std::printf("pre-training took %.1f s\n", seconds_since(t1));

    // The labelled images are the first of the pre-training images: pre-training saw their
    // pixels but never their labels (the semi-supervised setting pre-training is for).
    data::TensorDataset labelled_set = fm.train.take(labelled);
    std::printf(
        "fine-tuning 784-256-128-10 (sigmoid) with Adam(lr=1e-3) on %lld labelled images, "
        "%lld epochs, test on %lld\n",
        static_cast<long long>(labelled_set.size()), static_cast<long long>(epochs),
        static_cast<long long>(test.size()));

    manual_seed(42);
    nn::Sequential pre = make_net();
    nn::load_pretrained(pre, layers);
    manual_seed(42);
    nn::Sequential scratch = make_net();  // identical head init, default init below it

    auto acc_pre = fine_tune(pre, labelled_set, test, epochs);
    auto acc_scratch = fine_tune(scratch, labelled_set, test, epochs);
    std::printf("%-8s %-22s %-22s\n", "epoch", "test acc (RBM init)", "test acc (default init)");
    for (size_t e = 0; e < acc_pre.size(); ++e)
      std::printf("%-8zu %-22.4f %-22.4f\n", e + 1, acc_pre[e], acc_scratch[e]);
    std::printf("total %.1f s\n", seconds_since(t0));
  } catch (const Error& e) {
    std::fprintf(stderr, "rbm_pretrain: %s\n", e.what());
    return 1;
  }
  return 0;
}
