// The name -> builder table every registry (layers, optimizers, losses, ...) is made of.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "nabla/core/registry.hpp"

using namespace nabla;

namespace {
using Fn = std::function<int(int)>;
Registry<Fn> make() {
  return Registry<Fn>("widget", "thing.name",
                      {{"double", [](int x) { return 2 * x; }, "twice"},
                       {"square", [](int x) { return x * x; }, "x^2"}});
}
}  // namespace

TEST(Registry, DispatchesByNameInTableOrder) {
  auto r = make();
  EXPECT_EQ(r.builder("double")(3), 6);
  EXPECT_EQ(r.builder("square")(3), 9);
  EXPECT_EQ(r.names(), (std::vector<std::string>{"double", "square"}));
  EXPECT_EQ(r.names_joined(), "double, square");
  EXPECT_EQ(r.at("square").help, "x^2");
}

TEST(Registry, UnknownNameListsTheKnownOnes) {
  auto r = make();
  try {
    r.at("cube");
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("thing.name"), std::string::npos) << m;
    EXPECT_NE(m.find("unknown widget \"cube\""), std::string::npos) << m;
    EXPECT_NE(m.find("double, square"), std::string::npos) << m;
  }
}

TEST(Registry, UsersAddEntriesButCannotReplaceOne) {
  auto r = make();
  r.add(
      "cube", [](int x) { return x * x * x; }, "x^3");
  EXPECT_EQ(r.builder("cube")(2), 8);
  EXPECT_TRUE(r.contains("cube"));
  EXPECT_THROW(r.add("double", [](int x) { return x; }), Error);
  EXPECT_THROW(r.add("", [](int x) { return x; }), Error);
  EXPECT_EQ(r.builder("double")(3), 6);  // the built-in is unchanged
}
