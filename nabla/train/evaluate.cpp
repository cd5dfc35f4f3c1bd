#include "nabla/train/evaluate.hpp"

#include <algorithm>
#include <cmath>

#include "nabla/autograd/node.hpp"
#include "nabla/ops/reduce.hpp"

namespace nabla::train {

namespace {
// Restores a module's train/eval mode on scope exit (evaluation must not leave it in eval).
struct ModeGuard {
  explicit ModeGuard(nn::Module& m) : m_(m), was_training_(m.is_training()) { m.eval(); }
  ~ModeGuard() { m_.train(was_training_); }
  nn::Module& m_;
  bool was_training_;
};

bool is_class_output(const Tensor& out, const Tensor& target) {
  return out.dim() == 2 && target.defined() && target.dtype() == DType::Int64 &&
         target.dim() == 1 && target.size(0) == out.size(0);
}
}  // namespace

std::vector<int64_t> argmax_rows(const Tensor& scores) {
  NABLA_CHECK(scores.dim() == 2, "argmax_rows", "expected (N, C) scores, got ",
              shape_str(scores.shape()));
  const std::vector<double> v = scores.to_vector<double>();
  const int64_t n = scores.size(0), c = scores.size(1);
  std::vector<int64_t> out(n);
  for (int64_t i = 0; i < n; ++i) {
    const double* row = v.data() + i * c;
    out[i] = std::max_element(row, row + c) - row;
  }
  return out;
}

int64_t count_correct(const Tensor& scores, const Tensor& targets) {
  if (!is_class_output(scores, targets)) return 0;
  const auto pred = argmax_rows(scores);
  const auto t = targets.to_vector<int64_t>();
  int64_t ok = 0;
  for (size_t i = 0; i < pred.size(); ++i) ok += pred[i] == t[i];
  return ok;
}

Tensor predict_proba(nn::Module& net, const Tensor& inputs) {
  ModeGuard mode(net);
  autograd::NoGradGuard no_grad;
  return softmax(net.forward(inputs), 1);
}

EvalResult evaluate(nn::Module& net, const data::TensorDataset& data, const LossFn& loss,
                    int64_t batch_size) {
  NABLA_CHECK(batch_size > 0, "evaluate", "batch_size must be positive, got ", batch_size);
  ModeGuard mode(net);
  autograd::NoGradGuard no_grad;
  EvalResult r;
  r.count = data.size();
  double loss_sum = 0;
  bool class_targets = true;
  for (int64_t begin = 0; begin < r.count; begin += batch_size) {
    const int64_t end = std::min(r.count, begin + batch_size);
    std::vector<int64_t> idx(end - begin);
    for (int64_t i = begin; i < end; ++i) idx[i - begin] = i;
    data::Batch b = data.get_batch(idx);
    Tensor out = net.forward(b.inputs);
    if (loss) loss_sum += loss(out, b.targets).item() * static_cast<double>(b.size());
    class_targets = class_targets && is_class_output(out, b.targets);
    if (!class_targets) continue;
    if (r.num_classes == 0) {
      r.num_classes = out.size(1);
      r.confusion.assign(r.num_classes * r.num_classes, 0);
    }
    const std::vector<float> p = softmax(out, 1).to_vector<float>();
    const auto t = b.targets.to_vector<int64_t>();
    const int64_t c = r.num_classes;
    for (int64_t i = 0; i < b.size(); ++i) {
      const float* row = p.data() + i * c;
      const int64_t pred = std::max_element(row, row + c) - row;
      r.predictions.push_back(pred);
      r.targets.push_back(t[i]);
      r.confidence.push_back(row[pred]);
      r.true_prob.push_back(t[i] >= 0 && t[i] < c ? row[t[i]] : 0.f);
      if (t[i] >= 0 && t[i] < c) ++r.confusion[t[i] * c + pred];
    }
  }
  if (loss && r.count > 0) r.loss = loss_sum / static_cast<double>(r.count);
  if (class_targets && r.count > 0) {
    int64_t ok = 0;
    for (size_t i = 0; i < r.predictions.size(); ++i) ok += r.predictions[i] == r.targets[i];
    r.accuracy = static_cast<double>(ok) / static_cast<double>(r.count);
  } else {
    r.predictions.clear();
    r.targets.clear();
    r.confidence.clear();
    r.true_prob.clear();
    r.confusion.clear();
    r.num_classes = 0;
  }
  return r;
}

}  // namespace nabla::train
