// Issue 8: a layer size near 2^63 in a config used to hang `nabla train` forever at 100% CPU
// (the element count wrapped, then the storage pool's size-class loop never ended). It must
// fail at once with one clear line and exit code 1. The program runs under coreutils
// `timeout`, so a regression fails this test in seconds instead of hanging ctest.
#include <sys/wait.h>

#include <cstdlib>
#include <string>

#include "cli_runner.hpp"

namespace nabla::test {
namespace {

constexpr int kTimeoutSeconds = 60;  // the refusal takes milliseconds; a hang gets exit code 124

CliResult run_with_timeout(const CliSandbox& box, const std::string& args) {
  const std::string cmd = "cd '" + box.dir().string() + "' && timeout -s KILL " +
                          std::to_string(kTimeoutSeconds) + " '" + std::string(NABLA_CLI_PATH) +
                          "' " + args + " > .stdout 2> .stderr < /dev/null";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(box.dir() / ".stdout");
  r.err = slurp(box.dir() / ".stderr");
  return r;
}

std::string config_with_hidden_layer(const std::string& out) {
  std::string cfg = tiny_config(1);
  const std::string from = "{ type = \"linear\", out = 16 }";
  cfg.replace(cfg.find(from), from.size(), "{ type = \"linear\", out = " + out + " }");
  return cfg;
}

void expect_quick_one_line_error(const CliResult& r, const std::string& needle) {
  EXPECT_NE(r.code, 137) << "killed after " << kTimeoutSeconds << " s: the program hung";
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(r.err_lines(), 1) << r.err;
  EXPECT_EQ(r.err.rfind("nabla: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "expected '" << needle << "' in: " << r.err;
}

TEST(CliOverflow, HugeLayerSizeFailsFastWithOneLine) {
  CliSandbox box;
  box.write("huge.toml", config_with_hidden_layer("9223372036854775807"));
  const CliResult r = run_with_timeout(box, "train huge.toml --out run");
  expect_quick_one_line_error(r, "9223372036854775807");
}

TEST(CliOverflow, LayerSizeWhoseBytesOverflowFailsFast) {
  // 2^62 weights x 64 inputs: the element count overflows int64 too, differently
  CliSandbox box;
  box.write("huge.toml", config_with_hidden_layer("4611686018427387904"));
  const CliResult r = run_with_timeout(box, "train huge.toml --out run");
  expect_quick_one_line_error(r, "4611686018427387904");
}

}  // namespace
}  // namespace nabla::test
