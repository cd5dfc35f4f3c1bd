// `nabla list`: the registries as a person reads them, made from the tables themselves.
#include "cli_runner.hpp"

namespace nabla::test {
namespace {

TEST(CliList, PrintsEveryRegistryWithItsEntries) {
  CliSandbox box;
  CliResult r = box.run("list");
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* s :
       {"data.dataset, one of:", "model.name, one of:", "model.layers, one of:",
        "model.init, one of:", "optimizer.name, one of:", "schedule.name, one of:",
        "loss.name, one of:", "  conv2d ", "  gelu ", "  nadam ", "  warmup_cosine ",
        "  cross_entropy ", "  fashion_mnist ", "  he_normal ", "  lenet "})
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
}

TEST(CliList, OneKindAsMarkdownAndAnUnknownKind) {
  CliSandbox box;
  CliResult r = box.run("list optimizers --markdown");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("| `adam` |"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("conv2d"), std::string::npos) << r.out;
  r = box.run("list bogus");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("unknown registry \"bogus\" (expected one of: datasets, models, layers"),
            std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace nabla::test
