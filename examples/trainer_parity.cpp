// trainer_parity: runs a config through the real Trainer + DataLoader path with initial weights and
// a sample order that PyTorch can share, so a whole training run (not just the 100 steps of
// tests/recipe/test_recipe_parity.cpp) can be compared with scripts/torch_train.py.
//
//   build/examples/trainer_parity CONFIG DIR [--seed S] [--init FILE] [--float64] [--set K=V]
//                                 [--dump-only]
//
// Writes DIR/init.safetensors (the weights training starts from) and DIR/order.safetensors (the
// trainer's per-epoch sample order, `epoch.E` int64); --dump-only stops there. Otherwise trains
// with the Trainer, prints one line per epoch and writes every step's loss to DIR/steps.txt.
// Then `scripts/torch_train.py CONFIG --init DIR/init.safetensors --order DIR/order.safetensors
// [--float64] [--step-log FILE]` trains PyTorch from the same start on the same batches.
// --init loads weights (e.g. PyTorch's, written by torch_train.py --save-init) instead of the
// config's seeded init. --float64 trains in double precision, where both sides should agree
// closely for whole epochs; in float32 rounding differences grow and the runs drift apart.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "nabla/nabla.hpp"

using namespace nabla;

// Every step's loss, one per line, to compare with torch_train.py --step-log.
class StepLog : public train::Callback {
 public:
  explicit StepLog(const std::string& path) : f_(std::fopen(path.c_str(), "w")) {}
  ~StepLog() override {
    if (f_) std::fclose(f_);
  }
  void on_after_step(train::TrainerState& st) override {
    if (f_) std::fprintf(f_, "%.17g\n", st.last_loss);
  }

 private:
  std::FILE* f_;
};

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: trainer_parity CONFIG DIR [--seed S] [--init FILE] [--float64] [--set "
                 "K=V] [--dump-only]\n");
    return 2;
  }
  std::string init_file;
  bool f64 = false, dump_only = false;
  try {
    io::Config cfg = io::Config::load(argv[1]);
    for (int i = 3; i < argc; ++i) {
      const std::string a = argv[i];
      if (a == "--seed" && i + 1 < argc) {
        cfg.set("seed", argv[++i]);
      } else if (a == "--init" && i + 1 < argc) {
        init_file = argv[++i];
      } else if (a == "--float64") {
        f64 = true;
      } else if (a == "--dump-only") {
        dump_only = true;
      } else if (a == "--set" && i + 1 < argc) {
        const std::string kv = argv[++i];
        const auto eq = kv.find('=');
        if (eq == std::string::npos) {
          std::fprintf(stderr, "trainer_parity: --set wants KEY=VALUE, got '%s'\n", kv.c_str());
          return 2;
        }
        cfg.set(kv.substr(0, eq), kv.substr(eq + 1));
      } else {
        std::fprintf(stderr, "trainer_parity: unknown argument '%s'\n", a.c_str());
        return 2;
      }
    }
    const std::string dir = argv[2];
    std::filesystem::create_directories(dir);
    recipe::Experiment e = recipe::make_experiment(cfg);
    if (!init_file.empty()) e.net->load_state_dict(io::load_safetensors(init_file));
    io::save_safetensors(dir + "/init.safetensors", e.net->state_dict());

    data::DataLoaderOptions lo = e.options.loader;  // the trainer's loader: same sample order
    lo.prefetch = 0;                                // only epoch_order() is asked
    data::DataLoader probe(e.data.train, lo);
    io::TensorMap orders;
    for (int64_t ep = 0; ep < e.options.epochs; ++ep) {
      std::vector<int64_t> o = probe.epoch_order(ep);
      orders["epoch." + std::to_string(ep)] =
          Tensor::from_buffer(o.data(), {static_cast<int64_t>(o.size())}, DType::Int64);
    }
    io::save_safetensors(dir + "/order.safetensors", orders);
    if (dump_only) return 0;

    data::TensorDataset train_set = e.data.train, val_set = e.data.val;
    if (f64) {
      e.net->to(DType::Float64);
      e.opt = recipe::optimizer_from_config(e.cfg.get_table("optimizer"), e.net->parameters());
      train_set =
          data::TensorDataset(e.data.train.inputs().to(DType::Float64), e.data.train.targets());
      val_set = data::TensorDataset(e.data.val.inputs().to(DType::Float64), e.data.val.targets());
    }
    e.options.progress = train::ProgressMode::Lines;
    train::Trainer trainer(e.options);
    auto steps = std::make_shared<StepLog>(dir + "/steps.txt");
    trainer.add_callback(steps);
    train::History h = trainer.fit(*e.net, *e.opt, e.loss, train_set, val_set);
    for (const auto& m : h.epochs)
      std::printf("epoch %lld train_loss=%.6f train_acc=%.4f val_loss=%.6f val_acc=%.4f\n",
                  static_cast<long long>(m.epoch), m.train_loss, m.train_acc, m.val_loss,
                  m.val_acc);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "trainer_parity: %s\n", ex.what());
    return 1;
  }
  return 0;
}
