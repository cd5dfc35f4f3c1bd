// [optimizer] -> an optim::Optimizer, through the optimizers() table: one entry per
// `optimizer.name`, the only list of them (dispatch, the unknown-name error, `nabla list` and
// docs read it). A C++ user adds an optimizer without editing nabla:
//
//   recipe::optimizers().add("my_sgd", [](const io::Config& o, const std::vector<Tensor>& p) {
//     return std::make_unique<optim::SGD>(p, optim::SgdOptions{.lr = o.get_double("lr", 0.1)});
//   }, "plain SGD, my defaults (keys: lr = 0.1)");
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "nabla/core/registry.hpp"
#include "nabla/core/tensor.hpp"
#include "nabla/io/config.hpp"
#include "nabla/optim/optimizer.hpp"

namespace nabla::recipe {

// Builds an optimizer over `params` from the [optimizer] table. It reads only the keys it uses
// (Config::check_unused rejects the rest), each with its default.
using OptimizerBuilder = std::function<std::unique_ptr<optim::Optimizer>(
    const io::Config& optimizer, const std::vector<Tensor>& params)>;

// The table (built-ins: sgd, adam, adamw, adagrad, adadelta, rmsprop). Help strings end in
// "(keys: key = default; ...)", which tests/recipe/test_registries.cpp checks against the code.
// Register before building experiments; the table is not locked for concurrent add().
Registry<OptimizerBuilder>& optimizers();

// optimizer.name (default "adam") looked up in optimizers(); an unknown name is an error that
// lists the known ones.
std::unique_ptr<optim::Optimizer> optimizer_from_config(const io::Config& optimizer,
                                                        const std::vector<Tensor>& params);

}  // namespace nabla::recipe
