// A name -> builder table: the one list of a kind of thing (layer types, optimizers, losses,
// schedules, init schemes, datasets, models). Dispatch, `--help`, error messages and docs all
// read the same table, so adding an entry is one line plus its code; and the table is open, so a
// C++ user registers a layer or optimizer of their own without editing nabla's files:
//
//   recipe::optimizers().add("my_sgd", [](const io::Config& c, const auto& params) {...},
//                            "plain SGD, my way");
//
// Entries keep their registration order (the built-ins first, in the order the table lists them).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "nabla/core/error.hpp"

namespace nabla {

template <class Builder>
class Registry {
 public:
  struct Entry {
    std::string name;
    Builder build;
    std::string help;  // one line for --help and docs
  };

  // `what` names the kind in messages ("optimizer", "layer type"); `where` is the config key the
  // names come from ("optimizer.name"), the prefix of the unknown-name error.
  Registry(std::string what, std::string where, std::vector<Entry> entries)
      : what_(std::move(what)), where_(std::move(where)) {
    for (auto& e : entries) add(std::move(e.name), std::move(e.build), std::move(e.help));
  }

  // Throws nabla::Error when the name is taken: replacing a built-in silently would change what
  // existing configs mean.
  void add(std::string name, Builder build, std::string help = {}) {
    NABLA_CHECK(!name.empty(), where_.c_str(), "a ", what_, " needs a name");
    NABLA_CHECK(!contains(name), where_.c_str(), "a ", what_, " named \"", name,
                "\" is already registered");
    entries_.push_back({std::move(name), std::move(build), std::move(help)});
  }

  bool contains(const std::string& name) const { return find(name) != nullptr; }

  // The entry, or nabla::Error "optimizer.name: unknown optimizer "x" (expected one of: ...)".
  const Entry& at(const std::string& name) const {
    const Entry* e = find(name);
    NABLA_CHECK(e != nullptr, where_.c_str(), "unknown ", what_, " \"", name,
                "\" (expected one of: ", names_joined(), ")");
    return *e;
  }
  const Builder& builder(const std::string& name) const { return at(name).build; }

  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<std::string> names() const {
    std::vector<std::string> n;
    for (const auto& e : entries_) n.push_back(e.name);
    return n;
  }
  std::string names_joined() const {
    std::string s;
    for (const auto& e : entries_) s += (s.empty() ? "" : ", ") + e.name;
    return s;
  }
  const std::string& what() const { return what_; }
  const std::string& where() const { return where_; }

 private:
  const Entry* find(const std::string& name) const {
    for (const auto& e : entries_)
      if (e.name == name) return &e;
    return nullptr;
  }

  std::string what_;
  std::string where_;
  std::vector<Entry> entries_;
};

}  // namespace nabla
