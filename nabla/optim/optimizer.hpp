// Optimizer: parameter groups (parameters + that group's options), per-parameter state, one
// step() that updates every parameter with a gradient in place, and a state dict of named
// tensors so a checkpoint (nabla/io/safetensors.hpp) can resume training exactly.
//
// Semantics follow PyTorch 1.13's torch.optim: a parameter without a gradient is skipped,
// state (moment buffers, step count) is created at a parameter's first update.
//
// state_dict() keys (all values are tensors; scalars are 1-element float64):
//   "param_groups.<g>.<option>"   every option of group g (bools as 0/1), e.g. "param_groups.0.lr"
//   "param_groups.<g>.num_params" how many parameters group g holds
//   "state.<k>.step"              update count of parameter k (k counts across groups in order)
//   "state.<k>.<buffer>"          e.g. "state.0.exp_avg"; present only once parameter k was updated
//   "state.<k>.<scalar>"          a per-parameter number besides step, e.g. "state.0.mu_product"
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/core/tensor.hpp"

namespace nabla::optim {

using StateDict = std::map<std::string, Tensor>;

// What an optimizer keeps for one parameter between steps.
struct ParamState {
  double step = 0;                        // updates so far (PyTorch's state['step'])
  std::map<std::string, Tensor> buffers;  // contiguous, the parameter's dtype and shape
  std::map<std::string, double> scalars;  // one number each, e.g. NAdam's mu_product
  bool initialized = false;               // buffers were created (first update happened)
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Updates every parameter that has a gradient, in place, with grad mode off.
  void step();
  // Drops every parameter's gradient (PyTorch's zero_grad(set_to_none=True)).
  void zero_grad();

  double lr() const { return lr(0); }  // group 0's learning rate
  void set_lr(double lr);              // every group
  double lr(size_t group) const;
  void set_lr(size_t group, double lr);

  // The lr a group had when the first schedule was attached (PyTorch's group['initial_lr']):
  // every later schedule on this optimizer starts from it. Unset: the current lr.
  double initial_lr(size_t group) const;
  void set_initial_lr(size_t group, double lr);
  bool has_initial_lr(size_t group) const;

  size_t num_param_groups() const { return params_.size(); }
  const std::vector<Tensor>& params(size_t group) const;
  std::vector<Tensor> parameters() const;  // all groups, in order
  const std::string& name() const { return name_; }

  // Every option of a group by name (bools as 0/1), e.g. {"lr", 0.001}, {"amsgrad", 0}.
  virtual std::vector<std::pair<std::string, double>> group_options(size_t group) const = 0;
  // Sets options by name, then validates the group's options as a whole; throws nabla::Error
  // for an unknown name or an invalid result and then leaves the group unchanged.
  virtual void set_group_options(size_t group,
                                 const std::vector<std::pair<std::string, double>>& values) = 0;

  // The state of parameter k (k counts across groups in order).
  const ParamState& param_state(size_t k) const;

  StateDict state_dict() const;
  // Restores what state_dict() wrote. Throws nabla::Error naming the key for a missing,
  // unexpected or mis-shaped entry; the optimizer is unchanged when it throws.
  void load_state_dict(const StateDict& dict);

 protected:
  explicit Optimizer(std::string name) : name_(std::move(name)) {}
  // Registers a group's parameters (checks: floating point, leaf, not already in a group).
  void add_params(std::vector<Tensor> params);
  void check_group(size_t group, const char* op) const;

  // Buffer names a parameter of this group has after its first update.
  virtual std::vector<std::string> state_names(size_t group) const = 0;
  // Names in ParamState::scalars after the first update (saved and restored like step); most
  // optimizers keep none.
  virtual std::vector<std::string> scalar_state_names(size_t /*group*/) const { return {}; }
  // Creates the buffers of a parameter before its first update (`param` is contiguous).
  virtual void init_state(size_t group, const Tensor& param, ParamState& state) = 0;
  // One update of a contiguous parameter from a contiguous gradient of its dtype and shape.
  // state.step was already incremented.
  virtual void update(size_t group, const Tensor& param, const Tensor& grad, ParamState& state) = 0;

 private:
  std::string name_;
  std::vector<std::vector<Tensor>> params_;     // per group
  std::vector<std::vector<ParamState>> state_;  // per group, per parameter
  std::vector<double> initial_lr_;              // per group; NaN = not set
};

// Calls f(name, field) for every option of an options struct; options structs list their
// fields in a `visit(F&&)` member (double&, bool& or int64_t& fields).
template <class Options>
std::vector<std::pair<std::string, double>> options_to_list(const Options& o) {
  std::vector<std::pair<std::string, double>> out;
  Options copy = o;
  copy.visit([&](const char* name, auto& v) { out.emplace_back(name, static_cast<double>(v)); });
  return out;
}

template <class Options>
bool options_set(Options& o, const std::string& option, double value) {
  bool found = false;
  o.visit([&](const char* name, auto& v) {
    if (option == name) {
      using V = std::decay_t<decltype(v)>;
      if constexpr (std::is_same_v<V, bool>)
        v = value != 0;
      else
        v = static_cast<V>(value);
      found = true;
    }
  });
  return found;
}

// An optimizer whose groups carry an options struct `Options` (with visit() and
// validate(op)): the glue between the typed options and Optimizer's named view of them.
template <class Options>
class OptimizerWith : public Optimizer {
 public:
  // Adds a group with its own options (PyTorch's add_param_group).
  void add_param_group(std::vector<Tensor> params, Options options) {
    options.validate(name().c_str());
    add_params(std::move(params));
    options_.push_back(options);
  }
  const Options& options(size_t group = 0) const {
    check_group(group, "Optimizer::options");
    return options_[group];
  }
  // Replaces a group's options (validated).
  void set_options(size_t group, Options options) {
    check_group(group, "Optimizer::set_options");
    options.validate(name().c_str());
    options_[group] = options;
  }
  std::vector<std::pair<std::string, double>> group_options(size_t group) const override {
    check_group(group, "Optimizer::group_options");
    return options_to_list(options_[group]);
  }
  void set_group_options(size_t group,
                         const std::vector<std::pair<std::string, double>>& values) override {
    check_group(group, "Optimizer::set_group_options");
    Options o = options_[group];
    for (const auto& [option, value] : values)
      NABLA_CHECK(options_set(o, option, value), name().c_str(), "unknown option '", option, "'");
    o.validate(name().c_str());
    options_[group] = o;
  }

 protected:
  OptimizerWith(std::string name, std::vector<Tensor> params, Options options)
      : Optimizer(std::move(name)) {
    add_param_group(std::move(params), options);
  }
  std::vector<Options> options_;  // per group
};

}  // namespace nabla::optim
