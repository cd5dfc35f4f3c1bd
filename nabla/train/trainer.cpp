#include "nabla/train/trainer.hpp"

#include <chrono>
#include <cmath>
#include <iostream>
#include <sstream>

#include "nabla/autograd/node.hpp"
#include "nabla/data/loader.hpp"
#include "nabla/optim/clip.hpp"
#include "nabla/train/callbacks.hpp"
#include "nabla/train/checkpoint.hpp"
#include "nabla/train/evaluate.hpp"

namespace nabla::train {

data::DataLoaderOptions loader_options(const TrainerOptions& o) {
  data::DataLoaderOptions lo;
  lo.batch_size = o.batch_size == 0 ? 1 : o.batch_size;
  lo.full_batch = o.batch_size == 0;
  lo.shuffle = o.shuffle;
  lo.drop_last = o.drop_last;
  lo.seed = o.seed;
  lo.pytorch_order = o.pytorch_order;
  lo.prefetch = o.prefetch;
  return lo;
}

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

Trainer::Trainer(TrainerOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  NABLA_CHECK(o.epochs >= 0, "Trainer", "epochs must be >= 0, got ", o.epochs);
  NABLA_CHECK(o.batch_size >= 0, "Trainer", "batch_size must be >= 0 (0 = full batch), got ",
              o.batch_size);
  NABLA_CHECK(o.eval_batch_size > 0, "Trainer", "eval_batch_size must be positive, got ",
              o.eval_batch_size);
  NABLA_CHECK(o.weight_noise >= 0, "Trainer", "weight_noise must be >= 0, got ", o.weight_noise);
  NABLA_CHECK(o.grad_clip_norm >= 0, "Trainer", "grad_clip_norm must be >= 0, got ",
              o.grad_clip_norm);
  NABLA_CHECK(!o.resume || !o.run_dir.empty(), "Trainer", "resume needs a run_dir to resume from");
}

namespace {

std::string diverged_message(double loss, const TrainerState& st, const std::string& ckpt_path) {
  std::ostringstream os;
  os << "training diverged: loss is " << loss << " at epoch " << st.epoch + 1 << " step "
     << st.step_in_epoch + 1 << " (global step " << st.global_step + 1 << "); ";
  if (!ckpt_path.empty() && file_exists(ckpt_path) && !st.history->epochs.empty()) {
    os << "last good checkpoint: " << ckpt_path << " (after epoch "
       << st.history->epochs.back().epoch << "); lower the learning rate and resume from it";
  } else {
    os << "no checkpoint was written before it; lower the learning rate and start again";
  }
  return os.str();
}

}  // namespace

History Trainer::fit(nn::Module& net, optim::Optimizer& opt, const LossFn& loss,
                     const data::TensorDataset& train_data, const data::TensorDataset& val_data) {
  const TrainerOptions& o = options_;
  NABLA_CHECK(static_cast<bool>(loss), "Trainer::fit", "no loss function given");
  NABLA_CHECK(train_data.size() > 0, "Trainer::fit", "the training set is empty");
  // Caught here, not by the first evaluation after a whole epoch of training.
  NABLA_CHECK(val_data.size() == 0 || val_data.sample_shape() == train_data.sample_shape(),
              "Trainer::fit", "validation samples are ", shape_str(val_data.sample_shape()),
              " but training samples are ", shape_str(train_data.sample_shape()),
              "; every split must have the same sample shape");
  std::ostream& log = o.log != nullptr ? *o.log : std::cerr;

  History history;
  TrainerState st;
  st.net = &net;
  st.opt = &opt;
  st.options = &o;
  st.history = &history;

  data::DataLoader loader(train_data, loader_options(o), o.transform);
  st.steps_per_epoch = loader.num_batches();
  NABLA_CHECK(st.steps_per_epoch > 0, "Trainer::fit", "no batches: ", train_data.size(),
              " samples with batch_size ", o.batch_size, " and drop_last");

  // Weight noise has its own stream so it does not shift dropout's random numbers.
  Generator noise_gen(data::mix_seed(o.seed, 0x6e6f697365ull));
  const bool has_val = val_data.size() > 0;
  const std::string ckpt_path = o.run_dir.empty() ? "" : join_path(o.run_dir, kCheckpointFile);

  LoopState resume;
  if (o.resume) {
    if (!file_exists(ckpt_path)) throw IoError(ckpt_path + ": no checkpoint to resume from");
    Checkpoint c = load_checkpoint(ckpt_path, net, opt);
    history = c.history;
    resume = c.loop;
    history.resumed_from_epoch = resume.epochs_done;
    default_generator().set_state(resume.default_rng);
    noise_gen.set_state(resume.noise_rng);
    st.global_step = resume.global_step;
  }

  std::vector<std::shared_ptr<Callback>> callbacks;
  if (o.progress != ProgressMode::None)
    callbacks.push_back(std::make_shared<ProgressCallback>(o.progress, log));
  if (has_val) {
    callbacks.push_back(std::make_shared<EarlyStoppingCallback>(
        o.early_stopping_patience, o.early_stopping_min_delta, o.restore_best,
        o.run_dir.empty() ? "" : join_path(o.run_dir, kBestFile)));
  }
  if (!o.run_dir.empty())
    callbacks.push_back(std::make_shared<MetricsCsvCallback>(join_path(o.run_dir, kMetricsFile)));
  for (auto& cb : extra_callbacks_) callbacks.push_back(cb);

  auto make_checkpoint = [&](int64_t epochs_done, double elapsed) {
    Checkpoint c;
    c.history = history;
    c.config_text = o.config_text;
    c.loop.epochs_done = epochs_done;
    c.loop.step_in_epoch = epochs_done == st.epoch ? st.step_in_epoch : 0;
    c.loop.global_step = st.global_step;
    if (c.loop.step_in_epoch > 0) {
      c.loop.loss_sum = st.loss_sum;
      c.loop.correct = st.correct;
      c.loop.images = st.images_in_epoch;
      c.loop.elapsed = elapsed;
    }
    c.loop.default_rng = default_generator().state();
    c.loop.noise_rng = noise_gen.state();
    save_checkpoint(ckpt_path, net, opt, c);
  };
  auto stop_requested = [&] {
    return (o.stop_flag != nullptr && o.stop_flag->load()) ||
           (o.max_steps > 0 && st.global_step >= o.max_steps);
  };

  for (auto& cb : callbacks) cb->on_train_begin(st);
  const std::vector<Tensor> params = net.parameters();
  bool class_targets = true;

  const int64_t first_epoch = history.stopped_early ? o.epochs : resume.epochs_done;
  for (int64_t e = first_epoch; e < o.epochs && !st.stop; ++e) {
    const bool mid = o.resume && e == resume.epochs_done && resume.step_in_epoch > 0;
    st.epoch = e;
    st.step_in_epoch = mid ? resume.step_in_epoch : 0;
    st.loss_sum = mid ? resume.loss_sum : 0;
    st.correct = mid ? resume.correct : 0;
    st.images_in_epoch = mid ? resume.images : 0;
    const double elapsed_before = mid ? resume.elapsed : 0;
    loader.set_state({o.seed, e, st.step_in_epoch});
    net.train();
    for (auto& cb : callbacks) cb->on_epoch_begin(st);
    const double t0 = now_seconds();
    st.epoch_start_time = t0;

    loader.start_epoch();
    bool cut = false;
    while (auto batch = loader.next()) {
      if (o.lr_schedule) opt.set_lr(o.lr_schedule(st.global_step, st.steps_per_epoch));
      std::vector<Tensor> noise;
      if (o.weight_noise > 0) {
        // Noise on the weights for this step's forward and backward only (notes, section 7):
        // the gradient is taken at a perturbed point, the update applies to the clean weights.
        autograd::NoGradGuard no_grad;
        for (const auto& p : params) {
          Tensor n = Tensor::randn(p.shape(), p.dtype(), &noise_gen).mul_(o.weight_noise);
          Tensor(p).add_(n);
          noise.push_back(n);
        }
      }
      Tensor out = net.forward(batch->inputs);
      Tensor l = loss(out, batch->targets);
      const double lv = l.item();
      if (!std::isfinite(lv)) {
        if (o.progress == ProgressMode::Bar) log << "\n";
        throw DivergedError(diverged_message(lv, st, ckpt_path));
      }
      opt.zero_grad();
      l.backward();
      if (!noise.empty()) {
        autograd::NoGradGuard no_grad;
        for (size_t i = 0; i < params.size(); ++i) Tensor(params[i]).add_(noise[i], -1);
      }
      if (o.grad_clip_norm > 0) optim::clip_grad_norm_(params, o.grad_clip_norm);
      opt.step();

      const int64_t bsz = batch->size();
      st.last_loss = lv;
      st.loss_sum += lv * static_cast<double>(bsz);
      class_targets = class_targets && out.dim() == 2 && batch->targets.dtype() == DType::Int64;
      if (class_targets) st.correct += count_correct(out.detach(), batch->targets);
      st.images_in_epoch += bsz;
      ++st.step_in_epoch;
      ++st.global_step;
      for (auto& cb : callbacks) cb->on_step_end(st);
      if (st.step_in_epoch < st.steps_per_epoch && stop_requested()) {
        cut = true;
        break;
      }
    }
    const double train_s = elapsed_before + (now_seconds() - t0);

    if (cut) {
      // Ctrl-C (or max_steps) mid-epoch: save where we are so --resume replays the rest.
      if (o.progress == ProgressMode::Bar) log << "\n";
      if (!ckpt_path.empty()) make_checkpoint(e, train_s);
      history.interrupted = true;
      break;
    }

    EpochMetrics m;
    m.epoch = e + 1;
    const double n = static_cast<double>(st.images_in_epoch);
    m.train_loss = st.loss_sum / n;
    m.train_acc = class_targets ? static_cast<double>(st.correct) / n : kNaN;
    m.lr = opt.lr();
    m.seconds = train_s;
    m.images_per_s = train_s > 0 ? n / train_s : 0;
    if (has_val) {
      const double te = now_seconds();
      EvalResult r = evaluate(net, val_data, loss, o.eval_batch_size);
      m.val_loss = r.loss;
      m.val_acc = r.accuracy;
      m.eval_seconds = now_seconds() - te;
    }
    history.epochs.push_back(m);
    for (auto& cb : callbacks) cb->on_epoch_end(st, history.epochs.back());
    if (!ckpt_path.empty()) make_checkpoint(e + 1, 0);
    if (e + 1 < o.epochs && !st.stop && stop_requested()) {
      history.interrupted = true;
      break;
    }
  }
  for (auto& cb : callbacks) cb->on_train_end(st);
  return history;
}

}  // namespace nabla::train
