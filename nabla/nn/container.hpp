// Containers: Sequential (a chain), Residual (y = body(x) + shortcut(x)), Identity.
#pragma once
#include <concepts>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "nabla/nn/module.hpp"

namespace nabla::nn {

// Runs its children in order. Children are named "0", "1", ... unless pushed with a name, so
// parameters read "0.weight", "3.bias" as in torch.nn.Sequential.
//   nn::Sequential net{nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 2)};
class Sequential : public Module {
 public:
  Sequential() = default;
  // Any number of module values or shared_ptrs to modules. (A single Sequential argument is
  // the copy/move constructor, which shares the children.) Explicit for one argument, so that
  // a `Module&` passed where a `const Sequential&` is expected is a compile error, not a silent
  // one-layer Sequential wrapping a sliced copy.
  template <class... Ms>
  requires(sizeof...(Ms) > 0 && (ModuleArg<Ms> && ...) &&
           !(sizeof...(Ms) == 1 &&
             (std::is_same_v<std::decay_t<Ms>, Sequential> && ...))) explicit(sizeof...(Ms) == 1)
      Sequential(Ms&&... ms) {  // implicit for lists: brace init
    (push_back(std::forward<Ms>(ms)), ...);
  }

  template <class M>
  requires ModuleArg<M>
  void push_back(M&& m) { push_back(std::to_string(items_.size()), std::forward<M>(m)); }
  template <class M>
  requires ModuleArg<M>
  void push_back(const std::string& name, M&& m) {
    auto p = to_module_ptr(std::forward<M>(m));
    register_module(name, p);
    items_.push_back(std::move(p));
  }

  Tensor forward(const Tensor& x) override;

  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  Module& operator[](size_t i) const;                  // checked
  const std::shared_ptr<Module>& ptr(size_t i) const;  // checked
  // Typed access: net.at<nn::Linear>(0).weight. Throws nabla::Error on a wrong type.
  template <class T>
  T& at(size_t i) const {
    auto* p = dynamic_cast<T*>(&(*this)[i]);
    if (p == nullptr) throw_wrong_type(i, typeid(T).name());
    return *p;
  }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }

 private:
  [[noreturn]] void throw_wrong_type(size_t i, const char* wanted) const;
  std::vector<std::shared_ptr<Module>> items_;
};

// Passes its input through unchanged.
class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
};

// y = body(x) + x, or y = body(x) + shortcut(x) when a shortcut (e.g. a strided 1x1 conv)
// is given: ResNet's skip connection. Children are named "body" and "shortcut".
class Residual : public Module {
 public:
  // (A Residual argument is the copy/move constructor, which shares the children.)
  template <class B>
  requires(ModuleArg<B> && !std::is_same_v<std::decay_t<B>, Residual>) explicit Residual(B&& body)
      : body_(register_module("body", to_module_ptr(std::forward<B>(body)))) {}
  template <class B, class S>
  requires(ModuleArg<B>&& ModuleArg<S>) Residual(B&& body, S&& shortcut)
      : body_(register_module("body", to_module_ptr(std::forward<B>(body)))),
        shortcut_(register_module("shortcut", to_module_ptr(std::forward<S>(shortcut)))) {}

  Tensor forward(const Tensor& x) override;
  Module& body() const { return *body_; }
  bool has_shortcut() const { return shortcut_ != nullptr; }
  Module& shortcut() const;  // checked

 private:
  std::shared_ptr<Module> body_;
  std::shared_ptr<Module> shortcut_;
};

}  // namespace nabla::nn
