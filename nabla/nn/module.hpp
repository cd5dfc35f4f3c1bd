// Module: the unit a network is built from. It owns named parameters (trainable tensors),
// named buffers (state such as running means) and named child modules, so a whole network
// answers `parameters()`, `state_dict()`, `train()`/`eval()` in one call, with hierarchical
// names such as "features.0.weight" (PyTorch's naming).
//
// Ownership: a Module value is a set of handles. Tensors share data when copied and children
// are held by std::shared_ptr, so copying a module gives a second view of the SAME parameters
// (like copying a torch.nn.Module reference). This is what lets
//   nn::Sequential net{nn::Linear(4, 3), nn::ReLU()};
// take the temporaries by value: Sequential stores them as shared_ptr<Module>.
// Derived classes keep their children as std::shared_ptr members returned by register_module.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/core/tensor.hpp"

namespace nabla::nn {

// Same type as io::TensorMap, so a state dict goes straight into io::save_safetensors.
using StateDict = std::map<std::string, Tensor>;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// What load_state_dict(..., strict=false) skipped.
struct LoadStateDictResult {
  std::vector<std::string> missing_keys;     // in the module, absent from the dict
  std::vector<std::string> unexpected_keys;  // in the dict, absent from the module
};

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = default;
  Module& operator=(const Module&) = default;
  Module(Module&&) = default;
  Module& operator=(Module&&) = default;

  // The computation. The default throws: a container without a forward (or a module whose
  // forward takes other arguments) says so instead of crashing.
  virtual Tensor forward(const Tensor& x);
  Tensor operator()(const Tensor& x) { return forward(x); }

  // Short class name ("Linear", "Conv2d"); defaults to the demangled C++ type name.
  virtual std::string type_name() const;
  // The part inside the parentheses of the printed form: "in_features=4, out_features=3".
  virtual std::string extra_repr() const { return ""; }

  // ---- parameters, buffers, children (registration order; shared tensors listed once) ----
  std::vector<Tensor> parameters(bool recurse = true) const;
  NamedTensors named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  NamedTensors named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const {
    return children_;
  }
  // All descendants, depth first, with their dotted names ("" is not included: only children
  // and below).
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules() const;
  int64_t num_parameters() const;  // total element count of parameters()

  // ---- modes ----
  // Sets training mode on this module and every descendant (dropout and batch norm read it).
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // fn(module) on every descendant first (depth first), then on this module, as PyTorch.
  void apply(const std::function<void(Module&)>& fn);

  // Drops the .grad of every parameter (grad() becomes an undefined tensor, not zeros): PyTorch
  // 2's zero_grad(set_to_none=True) default. The next backward then writes a fresh gradient
  // instead of adding to one; optimizers skip parameters without a gradient, so a parameter that
  // took no part in the loss is not moved (not even by weight decay or momentum), as in PyTorch.
  // Code that reads p.grad() after zero_grad() must handle the undefined tensor.
  void zero_grad();

  // Converts every floating parameter and buffer to `dtype` in place: the tensors keep their
  // identity (an optimizer already holding them sees the change), gradients are dropped.
  void to(DType dtype);

  // ---- state dict ----
  // Parameters and buffers by dotted name, detached, sharing data with the module.
  StateDict state_dict() const;
  // Copies values in (dtype converted). strict: any missing or unexpected key is an error.
  // A shape mismatch is always an error. All problems are listed in ONE nabla::Error.
  LoadStateDictResult load_state_dict(const StateDict& dict, bool strict = true);

 protected:
  // Registers a trainable tensor (sets requires_grad). Undefined tensors (e.g. no bias) are
  // not registered. Returns the tensor so it can initialise a member.
  Tensor register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  Tensor register_buffer(const std::string& name, Tensor t);

  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> m) {
    add_child(name, m);
    return m;
  }
  // A module value is moved into a new shared_ptr.
  template <class M>
  requires std::is_base_of_v<Module, std::decay_t<M>> std::shared_ptr<std::decay_t<M>>
  register_module(const std::string& name, M&& m) {
    return register_module(name, std::make_shared<std::decay_t<M>>(std::forward<M>(m)));
  }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> m);
  void check_new_name(const std::string& name, const char* what) const;
  void collect(const std::string& prefix, bool params, bool recurse, NamedTensors& out,
               std::vector<const TensorImpl*>& seen) const;

  bool training_ = true;
  NamedTensors params_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

// Multi-line printed form of a module tree, PyTorch style.
std::string to_string(const Module& m);
std::ostream& operator<<(std::ostream& os, const Module& m);

// Helpers for module arguments: a module value (moved into a shared_ptr) or a shared_ptr.
template <class M>
concept ModuleArg = std::is_base_of_v<Module, std::decay_t<M>> || requires(M m) {
  {std::shared_ptr<Module>(m)};
};

template <class M>
std::shared_ptr<Module> to_module_ptr(M&& m) {
  if constexpr (std::is_base_of_v<Module, std::decay_t<M>>) {
    return std::make_shared<std::decay_t<M>>(std::forward<M>(m));
  } else {
    return std::shared_ptr<Module>(std::forward<M>(m));
  }
}

}  // namespace nabla::nn
