// Named models: `[model] name = "lenet"` with no `layers` list builds the model this table has
// under that name. An entry is the [model] table's text (a `layers` list, and for a graph model
// `outputs`), so a named model goes through the same builder as a user's config and can be
// printed as the config it is. A C++ user adds one:
//
//   recipe::models().add("tiny", R"(layers = [ { type = "flatten" },
//                                    { type = "linear", out = "classes" } ])", "logistic
//                                    regression");
#pragma once
#include <string>

#include "nabla/core/registry.hpp"

namespace nabla::recipe {

// The TOML of a [model] table (what `build` holds in a models() entry).
using ModelToml = std::string;

Registry<ModelToml>& models();

}  // namespace nabla::recipe
