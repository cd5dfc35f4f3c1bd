#include "nabla/nn/module.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>
#include <typeinfo>

#include "nabla/autograd/node.hpp"
#include "nabla/ops/shape.hpp"

namespace nabla::nn {

Tensor Module::forward(const Tensor&) {
  NABLA_CHECK(false, "Module::forward", type_name(),
              " has no forward(const Tensor&); call its own methods or its children instead");
}

std::string Module::type_name() const {
  const char* mangled = typeid(*this).name();
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string name = (status == 0 && demangled != nullptr) ? demangled : mangled;
  std::free(demangled);
  // "nabla::nn::Linear" -> "Linear"; user types keep their own namespaces' last part too.
  const auto pos = name.rfind("::");
  return pos == std::string::npos ? name : name.substr(pos + 2);
}

void Module::check_new_name(const std::string& name, const char* what) const {
  NABLA_CHECK(!name.empty() && name.find('.') == std::string::npos, "Module::register", what,
              " name must be non-empty and contain no '.', got '", name, "'");
  auto taken = [&](const auto& v) {
    return std::any_of(v.begin(), v.end(), [&](const auto& kv) { return kv.first == name; });
  };
  NABLA_CHECK(!taken(params_) && !taken(buffers_) && !taken(children_), "Module::register",
              type_name(), " already has a parameter, buffer or child named '", name, "'");
}

Tensor Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
  if (!t.defined()) return t;
  check_new_name(name, "parameter");
  NABLA_CHECK(is_floating(t.dtype()), "Module::register_parameter", "parameter '", name,
              "' must be floating point, got ", dtype_name(t.dtype()));
  t.set_requires_grad(requires_grad);
  params_.emplace_back(name, t);
  return t;
}

Tensor Module::register_buffer(const std::string& name, Tensor t) {
  if (!t.defined()) return t;
  check_new_name(name, "buffer");
  buffers_.emplace_back(name, t);
  return t;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> m) {
  NABLA_CHECK(m != nullptr, "Module::register_module", "child '", name, "' is null");
  check_new_name(name, "child module");
  children_.emplace_back(name, std::move(m));
}

void Module::collect(const std::string& prefix, bool params, bool recurse, NamedTensors& out,
                     std::vector<const TensorImpl*>& seen) const {
  for (const auto& [name, t] : params ? params_ : buffers_) {
    if (std::find(seen.begin(), seen.end(), t.impl()) != seen.end()) continue;
    seen.push_back(t.impl());
    out.emplace_back(prefix + name, t);
  }
  if (!recurse) return;
  for (const auto& [name, child] : children_) {
    child->collect(prefix + name + ".", params, true, out, seen);
  }
}

NamedTensors Module::named_parameters(bool recurse) const {
  NamedTensors out;
  std::vector<const TensorImpl*> seen;
  collect("", true, recurse, out, seen);
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& kv : named_parameters(recurse)) out.push_back(kv.second);
  return out;
}

NamedTensors Module::named_buffers(bool recurse) const {
  NamedTensors out;
  std::vector<const TensorImpl*> seen;
  collect("", false, recurse, out, seen);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& kv : named_buffers(recurse)) out.push_back(kv.second);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& kv : children_) out.push_back(kv.second);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules() const {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  for (const auto& [name, child] : children_) {
    out.emplace_back(name, child);
    for (auto& [sub, m] : child->named_modules()) out.emplace_back(name + "." + sub, m);
  }
  return out;
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const auto& p : parameters()) n += p.numel();
  return n;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& kv : children_) kv.second->train(on);
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& kv : children_) kv.second->apply(fn);
  fn(*this);
}

void Module::zero_grad() {
  for (auto& p : parameters()) p.zero_grad();
}

void Module::to(DType dtype) {
  NABLA_CHECK(is_floating(dtype), "Module::to", "modules hold floating tensors; got ",
              dtype_name(dtype));
  autograd::NoGradGuard guard;
  auto convert = [&](const Tensor& t) {
    if (!is_floating(t.dtype()) || t.dtype() == dtype) return;
    Tensor c = to_dtype(t.detach(), dtype).contiguous().clone_data();
    // Swap the data under the same TensorImpl so every holder of the handle sees it.
    TensorImpl* impl = t.impl();
    impl->storage = c.storage();
    impl->offset = c.offset();
    impl->shape = c.shape();
    impl->strides = c.strides();
    impl->dtype = dtype;
    impl->grad.reset();
  };
  for (auto& t : parameters()) convert(t);
  for (auto& t : buffers()) convert(t);
}

StateDict Module::state_dict() const {
  StateDict out;
  for (auto& [name, t] : named_parameters()) out[name] = t.detach();
  for (auto& [name, t] : named_buffers()) out[name] = t.detach();
  return out;
}

LoadStateDictResult Module::load_state_dict(const StateDict& dict, bool strict) {
  NamedTensors mine = named_parameters();
  for (auto& kv : named_buffers()) mine.push_back(kv);

  LoadStateDictResult result;
  std::vector<std::string> shape_errors;
  std::set<std::string> known;
  for (const auto& [name, t] : mine) {
    known.insert(name);
    auto it = dict.find(name);
    if (it == dict.end()) {
      result.missing_keys.push_back(name);
    } else if (!it->second.defined() || it->second.shape() != t.shape()) {
      shape_errors.push_back("shape mismatch for '" + name + "': the model has " +
                             shape_str(t.shape()) + ", the state dict has " +
                             (it->second.defined() ? shape_str(it->second.shape())
                                                   : std::string("an undefined tensor")));
    }
  }
  for (const auto& kv : dict) {
    if (!known.count(kv.first)) result.unexpected_keys.push_back(kv.first);
  }

  std::vector<std::string> problems;
  if (strict) {
    for (auto& k : result.missing_keys) problems.push_back("missing key '" + k + "'");
    for (auto& k : result.unexpected_keys) problems.push_back("unexpected key '" + k + "'");
  }
  problems.insert(problems.end(), shape_errors.begin(), shape_errors.end());
  if (!problems.empty()) {
    std::ostringstream os;
    os << "load_state_dict: " << problems.size() << " problem" << (problems.size() == 1 ? "" : "s")
       << " loading into " << type_name() << ":";
    for (auto& p : problems) os << "\n  - " << p;
    if (!strict && shape_errors.size() == problems.size()) {
      os << "\n(shape mismatches are errors even with strict = false)";
    }
    throw Error(os.str());
  }

  // Checked everything first, so a failed load leaves the module untouched.
  autograd::NoGradGuard guard;
  for (auto& [name, t] : mine) {
    auto it = dict.find(name);
    if (it != dict.end()) Tensor(t).copy_(it->second);
  }
  return result;
}

namespace {
void print_tree(std::ostream& os, const Module& m, int indent) {
  os << m.type_name() << "(" << m.extra_repr();
  const auto& kids = m.named_children();
  if (!kids.empty()) {
    os << "\n";
    for (const auto& [name, child] : kids) {
      os << std::string(indent + 2, ' ') << "(" << name << "): ";
      print_tree(os, *child, indent + 2);
      os << "\n";
    }
    os << std::string(indent, ' ');
  }
  os << ")";
}
}  // namespace

std::string to_string(const Module& m) {
  std::ostringstream os;
  print_tree(os, m, 0);
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Module& m) { return os << to_string(m); }

}  // namespace nabla::nn
