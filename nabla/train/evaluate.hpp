// Evaluation of a classifier over a dataset: loss, accuracy, predictions and the confusion
// matrix, in eval mode with grad mode off (the module's mode is restored afterwards).
#pragma once
#include <cstdint>
#include <vector>

#include "nabla/data/dataset.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/train/trainer.hpp"

namespace nabla::train {

struct EvalResult {
  int64_t count = 0;
  double loss = kNaN;                // mean per sample (NaN when no loss function was given)
  double accuracy = kNaN;            // NaN unless targets are int64 class indices of (N,C) outputs
  std::vector<int64_t> predictions;  // argmax per sample (class outputs only)
  std::vector<int64_t> targets;      // the class targets, same order
  std::vector<float> confidence;     // softmax probability of the predicted class
  std::vector<float> true_prob;      // softmax probability of the true class
  int64_t num_classes = 0;
  // confusion[t * num_classes + p]: samples of true class t predicted as p
  std::vector<int64_t> confusion;
};

// Runs `net` over `data` in batches of `batch_size`. `loss` may be empty.
EvalResult evaluate(nn::Module& net, const data::TensorDataset& data, const LossFn& loss = {},
                    int64_t batch_size = 1000);

// Softmax probabilities (N, C) of a batch of inputs, eval mode, no grad.
Tensor predict_proba(nn::Module& net, const Tensor& inputs);

// Per-class argmax of (N, C) scores and the count of matches with int64 targets (N).
std::vector<int64_t> argmax_rows(const Tensor& scores);
int64_t count_correct(const Tensor& scores, const Tensor& targets);

}  // namespace nabla::train
