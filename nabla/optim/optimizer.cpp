#include "nabla/optim/optimizer.hpp"

#include <cmath>
#include <limits>
#include <set>

#include "nabla/autograd/node.hpp"

namespace nabla::optim {

namespace {

Tensor scalar_f64(double v) { return Tensor::from_vector(std::vector<double>{v}, Shape{1}); }

double read_scalar(const StateDict& dict, const std::string& key, const char* op) {
  auto it = dict.find(key);
  NABLA_CHECK(it != dict.end(), op, "missing entry '", key, "' in the state dict");
  NABLA_CHECK(it->second.defined() && it->second.numel() == 1, op, "entry '", key,
              "' must hold one value, got shape ", shape_str(it->second.shape()));
  return it->second.item();
}

// A contiguous copy of `src` in the parameter's dtype.
Tensor copy_as(const Tensor& src, const Tensor& like) {
  Tensor out = Tensor::empty(like.shape(), like.dtype());
  out.copy_(src);
  return out;
}

}  // namespace

void Optimizer::add_params(std::vector<Tensor> params) {
  const char* op = name_.c_str();
  NABLA_CHECK(!params.empty(), op, "a parameter group needs at least one parameter, got none");
  std::set<const TensorImpl*> seen;
  for (const auto& group : params_)
    for (const auto& p : group) seen.insert(p.impl());
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    NABLA_CHECK(p.defined(), op, "parameter ", i, " of the new group is an undefined tensor");
    NABLA_CHECK(is_floating(p.dtype()), op, "parameter ", i, " must be float32 or float64, got ",
                dtype_name(p.dtype()));
    NABLA_CHECK(p.is_leaf(), op, "parameter ", i,
                " is not a leaf tensor (it was computed by an op); optimize the leaf it came from");
    NABLA_CHECK(seen.insert(p.impl()).second, op, "parameter ", i,
                " appears more than once (in this group or an earlier one)");
  }
  state_.emplace_back(params.size());
  params_.push_back(std::move(params));
  initial_lr_.push_back(std::numeric_limits<double>::quiet_NaN());
}

bool Optimizer::has_initial_lr(size_t group) const {
  check_group(group, "Optimizer::initial_lr");
  return !std::isnan(initial_lr_[group]);
}

double Optimizer::initial_lr(size_t group) const {
  return has_initial_lr(group) ? initial_lr_[group] : lr(group);
}

void Optimizer::set_initial_lr(size_t group, double lr) {
  check_group(group, "Optimizer::set_initial_lr");
  NABLA_CHECK(lr >= 0, "Optimizer::set_initial_lr", "lr must be >= 0, got ", lr);
  initial_lr_[group] = lr;
}

void Optimizer::check_group(size_t group, const char* op) const {
  NABLA_CHECK(group < params_.size(), op, "group ", group, " out of range: the optimizer has ",
              params_.size(), " parameter group(s)");
}

const std::vector<Tensor>& Optimizer::params(size_t group) const {
  check_group(group, "Optimizer::params");
  return params_[group];
}

std::vector<Tensor> Optimizer::parameters() const {
  std::vector<Tensor> out;
  for (const auto& g : params_) out.insert(out.end(), g.begin(), g.end());
  return out;
}

double Optimizer::lr(size_t group) const {
  for (const auto& [k, v] : group_options(group))
    if (k == "lr") return v;
  NABLA_ASSERT(false);
  return 0;
}

void Optimizer::set_lr(size_t group, double lr) { set_group_options(group, {{"lr", lr}}); }

void Optimizer::set_lr(double lr) {
  for (size_t g = 0; g < params_.size(); ++g) set_lr(g, lr);
}

const ParamState& Optimizer::param_state(size_t k) const {
  for (const auto& g : state_) {
    if (k < g.size()) return g[k];
    k -= g.size();
  }
  detail::throw_error("Optimizer::param_state", "parameter index out of range");
}

void Optimizer::zero_grad() {
  for (auto& g : params_)
    for (auto& p : g) p.zero_grad();
}

void Optimizer::step() {
  autograd::NoGradGuard no_grad;
  const char* op = name_.c_str();
  for (size_t g = 0; g < params_.size(); ++g) {
    for (size_t i = 0; i < params_[g].size(); ++i) {
      const Tensor& p = params_[g][i];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      NABLA_CHECK(grad.shape() == p.shape(), op, "gradient of parameter ", i, " in group ", g,
                  " has shape ", shape_str(grad.shape()), " but the parameter has ",
                  shape_str(p.shape()));
      // The update loops run over contiguous memory of one dtype; other layouts go through
      // a contiguous copy (rare: parameters are made contiguous).
      Tensor work = p.is_contiguous() ? p : p.clone_data();
      if (!grad.is_contiguous() || grad.dtype() != p.dtype()) grad = copy_as(grad, p);
      ParamState& st = state_[g][i];
      if (!st.initialized) {
        init_state(g, work, st);
        st.initialized = true;
      }
      st.step += 1;
      update(g, work, grad, st);
      if (!work.same(p)) Tensor(p).copy_(work);
    }
  }
}

StateDict Optimizer::state_dict() const {
  StateDict out;
  size_t k = 0;
  for (size_t g = 0; g < params_.size(); ++g) {
    const std::string gp = "param_groups." + std::to_string(g) + ".";
    for (const auto& [name, v] : group_options(g)) out[gp + name] = scalar_f64(v);
    out[gp + "num_params"] = scalar_f64(static_cast<double>(params_[g].size()));
    const auto names = state_names(g);
    const auto scalars = scalar_state_names(g);
    for (const ParamState& st : state_[g]) {
      if (st.initialized) {
        const std::string sp = "state." + std::to_string(k) + ".";
        out[sp + "step"] = scalar_f64(st.step);
        for (const auto& name : scalars) {
          auto it = st.scalars.find(name);
          if (it != st.scalars.end()) out[sp + name] = scalar_f64(it->second);
        }
        for (const auto& name : names) {
          auto it = st.buffers.find(name);
          if (it != st.buffers.end()) out[sp + name] = it->second.clone_data();
        }
      }
      ++k;
    }
  }
  return out;
}

void Optimizer::load_state_dict(const StateDict& dict) {
  const char* op = "Optimizer::load_state_dict";
  std::set<std::string> used;
  // Options first, because they decide which buffers must exist; each group's options are set
  // atomically, and every change is rolled back if anything later is rejected.
  std::vector<std::vector<std::pair<std::string, double>>> new_options(params_.size());
  for (size_t g = 0; g < params_.size(); ++g) {
    const std::string gp = "param_groups." + std::to_string(g) + ".";
    const double n = read_scalar(dict, gp + "num_params", op);
    NABLA_CHECK(n == static_cast<double>(params_[g].size()), op, "entry '", gp, "num_params' says ",
                n, " parameters but group ", g, " of this ", name_, " has ", params_[g].size());
    used.insert(gp + "num_params");
    for (const auto& [name, v] : group_options(g)) {
      new_options[g].emplace_back(name, read_scalar(dict, gp + name, op));
      used.insert(gp + name);
    }
  }
  std::vector<std::vector<std::pair<std::string, double>>> old_options(params_.size());
  for (size_t g = 0; g < params_.size(); ++g) old_options[g] = group_options(g);
  auto restore = [&] {
    for (size_t g = 0; g < params_.size(); ++g) set_group_options(g, old_options[g]);
  };
  try {
    for (size_t g = 0; g < params_.size(); ++g) set_group_options(g, new_options[g]);
  } catch (const Error& e) {
    restore();
    throw Error(std::string(op) + ": the state dict holds invalid options: " + e.what());
  }

  std::vector<std::vector<ParamState>> new_state(params_.size());
  try {
    size_t k = 0;
    for (size_t g = 0; g < params_.size(); ++g) {
      const auto names = state_names(g);
      const auto scalars = scalar_state_names(g);
      for (const Tensor& p : params_[g]) {
        const std::string sp = "state." + std::to_string(k) + ".";
        ParamState st;
        const bool present = dict.count(sp + "step") > 0;
        if (present) {
          st.step = read_scalar(dict, sp + "step", op);
          NABLA_CHECK(st.step >= 0 && std::floor(st.step) == st.step, op, "entry '", sp,
                      "step' must be a whole number >= 0, got ", st.step);
          used.insert(sp + "step");
          for (const auto& name : scalars) {
            st.scalars[name] = read_scalar(dict, sp + name, op);
            used.insert(sp + name);
          }
          for (const auto& name : names) {
            auto it = dict.find(sp + name);
            NABLA_CHECK(it != dict.end(), op, "missing entry '", sp + name, "' (", name_,
                        " keeps '", name, "' for every updated parameter)");
            NABLA_CHECK(it->second.defined() && it->second.shape() == p.shape(), op, "entry '",
                        sp + name, "' has shape ",
                        it->second.defined() ? shape_str(it->second.shape()) : "undefined",
                        " but parameter ", k, " has shape ", shape_str(p.shape()));
            st.buffers[name] = copy_as(it->second, p);
            used.insert(sp + name);
          }
          st.initialized = true;
        }
        new_state[g].push_back(std::move(st));
        ++k;
      }
    }
    for (const auto& [key, t] : dict)
      NABLA_CHECK(used.count(key), op, "unexpected entry '", key, "' for a ", name_,
                  " (a state dict of another optimizer or of other parameters?)");
  } catch (const Error&) {
    restore();
    throw;
  }
  state_ = std::move(new_state);
}

}  // namespace nabla::optim
