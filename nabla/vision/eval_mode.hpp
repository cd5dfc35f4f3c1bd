// Puts a module tree in eval mode for a scope and then restores every module's own mode (a
// model may be half frozen: batch norm in eval, dropout training), so looking at a model
// (convolutionalize's shape probe, a heatmap) never changes its running statistics or its mode.
#pragma once
#include <memory>
#include <utility>
#include <vector>

#include "nabla/nn/module.hpp"

namespace nabla::vision {

class EvalModeGuard {
 public:
  explicit EvalModeGuard(nn::Module& root) : root_(root), root_mode_(root.is_training()) {
    for (auto& [name, m] : root.named_modules()) modes_.emplace_back(m, m->is_training());
    root.eval();
  }
  // named_modules() is depth-first with parents before children, so restoring in that order
  // lets each child's own train(flag) override what its parent's call just set.
  ~EvalModeGuard() {
    root_.train(root_mode_);
    for (auto& [m, mode] : modes_) m->train(mode);
  }
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  nn::Module& root_;
  bool root_mode_;
  std::vector<std::pair<std::shared_ptr<nn::Module>, bool>> modes_;
};

}  // namespace nabla::vision
