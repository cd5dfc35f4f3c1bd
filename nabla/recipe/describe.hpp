// Registries rendered for people: `nabla list`, --help text and docs. The listing is made from
// the tables themselves (names, help lines, registration order), so it cannot miss an entry,
// a user-registered one included.
//
//   std::cout << recipe::describe_registry(recipe::optimizers());
//   optimizer.name, one of:
//     sgd       stochastic gradient descent, optional (Nesterov) momentum (keys: lr = 0.01; ...)
//     adam      ...
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "nabla/core/registry.hpp"

namespace nabla::recipe {

enum class ListFormat {
  Text,     // for a terminal: aligned names, help wrapped at 100 columns
  Markdown  // a table for docs
};

// A registry without its builders (what the renderers need).
struct RegistryListing {
  std::string what;                                          // "optimizer"
  std::string where;                                         // "optimizer.name"
  std::vector<std::pair<std::string, std::string>> entries;  // name, help
};

std::string render_listing(const RegistryListing& listing, ListFormat format);

template <class Builder>
RegistryListing listing_of(const Registry<Builder>& r) {
  RegistryListing l{r.what(), r.where(), {}};
  for (const auto& e : r.entries()) l.entries.emplace_back(e.name, e.help);
  return l;
}

template <class Builder>
std::string describe_registry(const Registry<Builder>& r, ListFormat format = ListFormat::Text) {
  return render_listing(listing_of(r), format);
}

// The registries by the name `nabla list` takes: datasets, models, layers, inits, optimizers,
// schedules, losses (the order a config reads them in).
const std::vector<std::pair<std::string, RegistryListing (*)()>>& registry_kinds();
// One registry by that name, or all of them ("") with a blank line between; nabla::Error naming
// the known kinds for another name.
std::string describe_registries(const std::string& kind, ListFormat format = ListFormat::Text);
// All of them.
std::string describe_recipe_registries(ListFormat format = ListFormat::Text);

}  // namespace nabla::recipe
