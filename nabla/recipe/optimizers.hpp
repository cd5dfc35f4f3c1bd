// [optimizer] -> an optim::Optimizer.
#pragma once
#include <memory>
#include <vector>

#include "nabla/core/tensor.hpp"
#include "nabla/io/config.hpp"
#include "nabla/optim/optimizer.hpp"

namespace nabla::recipe {

std::unique_ptr<optim::Optimizer> optimizer_from_config(const io::Config& optimizer,
                                                        const std::vector<Tensor>& params);

}  // namespace nabla::recipe
