// The notes' claims about initialisation, activations and regularisation, measured on
// Fashion-MNIST subsets (the experiments are in notes_claims.hpp; the unit test
// tests/train/test_notes_claims.cpp asserts them on synthetic data).
//
//   ninja -C build example_notes_claims && ./build/examples/notes_claims [train_subset=5000]
#include "examples/notes_claims.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "nabla/data/fashion_mnist.hpp"

using namespace nabla;

namespace {

notes::Split flat(const data::TensorDataset& d, int64_t n) {
  data::Batch b = d.take(n).all();
  return {reshape(b.inputs, {-1, 784}), b.targets};
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t n_train = argc > 1 ? std::atoll(argv[1]) : 5000;
  try {
    const auto t0 = std::chrono::steady_clock::now();
    data::TrainTestSplit fm = data::FashionMnist::load();
    notes::Data d{flat(fm.train, n_train), flat(fm.test, 2000), 10};
    std::printf("Fashion-MNIST: %lld training images, %lld test images, 784 -> ... -> 10 MLPs\n\n",
                static_cast<long long>(d.train.x.size(0)),
                static_cast<long long>(d.test.x.size(0)));

    std::printf(
        "(a) zero init never breaks the symmetry between hidden units (784-64-10, Adam 1e-3, 3 "
        "epochs)\n");
    std::printf("    %-22s %-10s %-28s %-14s\n", "init", "test acc",
                "row spread |W1[i]-W1[0]|/|W1[0]|", "mean |W1[i]|");
    struct {
      const char* name;
      notes::Act act;
      notes::Init init;
    } runs[] = {{"zeros + sigmoid", notes::Act::Sigmoid, notes::Init::Zero},
                {"zeros + relu", notes::Act::ReLU, notes::Init::Zero},
                {"He normal + relu", notes::Act::ReLU, notes::Init::He}};
    for (const auto& r : runs) {
      auto s = notes::symmetry_run(d, r.act, r.init, 64, 3, 64, 1e-3, 1);
      std::printf("    %-22s %-10.4f %-28.3g %-14.4g\n", r.name, s.test_acc, s.row_spread,
                  s.row_norm);
    }

    std::printf(
        "\n(b) gradient norm |dL/dW| per layer of a fresh 10-layer, 64-wide net (batch of 256 "
        "images)\n");
    notes::Split batch{d.train.x.narrow(0, 0, 256), d.train.y.narrow(0, 0, 256)};
    auto sig =
        notes::layer_grad_norms(batch, 10, notes::Act::Sigmoid, notes::Init::Xavier, 10, 64, 2);
    auto relu = notes::layer_grad_norms(batch, 10, notes::Act::ReLU, notes::Init::He, 10, 64, 2);
    std::printf("    %-8s %-22s %-22s\n", "layer", "sigmoid (Xavier)", "relu (He)");
    for (size_t i = 0; i < sig.size(); ++i)
      std::printf("    %-8zu %-22.3e %-22.3e\n", i + 1, sig[i], relu[i]);
    std::printf("    first/last-hidden ratio: sigmoid %.2e, relu %.2e\n", sig[0] / sig[8],
                relu[0] / relu[8]);

    std::printf(
        "\n(c) dying ReLU: 784-128-128-10, He init, plain SGD, 2 epochs, batch 64, same init and "
        "batches\n");
    std::printf(
        "    silent = pre-activation <= 0 on every training image; dead = silent and getting no "
        "gradient\n");
    std::printf("    %-6s %-18s %-8s %-8s %-8s %-10s\n", "lr", "activation", "silent", "dead",
                "hidden", "test acc");
    for (double lr : {0.01, 0.3, 0.5}) {
      struct {
        notes::Act act;
        double slope;
        const char* name;
      } acts[] = {{notes::Act::ReLU, 0, "relu"},
                  {notes::Act::LeakyReLU, 0.01, "leaky_relu(0.01)"},
                  {notes::Act::LeakyReLU, 0.1, "leaky_relu(0.1)"}};
      for (const auto& a : acts) {
        auto r = notes::dying_run(d, a.act, a.slope, {128, 128}, 2, 64, lr, 3);
        std::printf("    %-6g %-18s %-8lld %-8lld %-8lld %-10.4f%s\n", lr, a.name,
                    static_cast<long long>(r.silent), static_cast<long long>(r.dead),
                    static_cast<long long>(r.total), r.test_acc, r.finite ? "" : "  (diverged)");
      }
    }

    std::printf(
        "\n(d) dropout (p = 0.5) and batch norm in train and eval mode (64 images, 784 "
        "features)\n");
    auto m = notes::mode_differences(d.train.x.narrow(0, 0, 64), 0.5, 4);
    std::printf(
        "    dropout, train: two calls differ by up to %.3g; %.3f of the non-zero pixels dropped\n",
        m.dropout_train_repeat, m.dropout_zero_fraction);
    std::printf("    dropout, eval : two calls differ by %.3g; |out - in| = %.3g (identity)\n",
                m.dropout_eval_repeat, m.dropout_eval_vs_input);
    std::printf(
        "    batch norm, train: sample 0's output moves by %.3g when its batch-mates change\n",
        m.bn_train_batch_effect);
    std::printf(
        "    batch norm, eval : it moves by %.3g; |out - (x - running_mean)/sqrt(running_var + "
        "eps)| = %.3g\n",
        m.bn_eval_batch_effect, m.bn_eval_vs_running);
    std::printf("\ntotal %.1f s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  } catch (const Error& e) {
    std::fprintf(stderr, "notes_claims: %s\n", e.what());
    return 1;
  }
  return 0;
}
