#include "nabla/nn/container.hpp"

#include <cxxabi.h>

#include <cstdlib>

#include "nabla/ops/elementwise.hpp"

namespace nabla::nn {

Tensor Sequential::forward(const Tensor& x) {
  Tensor h = x;
  for (auto& m : items_) h = m->forward(h);
  return h;
}

const std::shared_ptr<Module>& Sequential::ptr(size_t i) const {
  NABLA_CHECK(i < items_.size(), "Sequential", "index ", i, " out of range for ", items_.size(),
              " modules");
  return items_[i];
}

Module& Sequential::operator[](size_t i) const { return *ptr(i); }

void Sequential::throw_wrong_type(size_t i, const char* wanted) const {
  int status = 0;
  char* demangled = abi::__cxa_demangle(wanted, nullptr, nullptr, &status);
  const std::string name = (status == 0 && demangled != nullptr) ? demangled : wanted;
  std::free(demangled);
  NABLA_CHECK(false, "Sequential::at", "module ", i, " is a ", items_[i]->type_name(), ", not a ",
              name);
}

Tensor Residual::forward(const Tensor& x) {
  Tensor y = body_->forward(x);
  Tensor skip = shortcut_ ? shortcut_->forward(x) : x;
  NABLA_CHECK(y.shape() == skip.shape(), "Residual", "body output ", shape_str(y.shape()),
              " and shortcut output ", shape_str(skip.shape()),
              " must have the same shape; give a shortcut module (e.g. a 1x1 Conv2d with the "
              "body's stride) when the body changes the shape");
  return y + skip;
}

Module& Residual::shortcut() const {
  NABLA_CHECK(shortcut_ != nullptr, "Residual::shortcut", "this block has no shortcut module");
  return *shortcut_;
}

}  // namespace nabla::nn
