// The exit-code table of apps/nabla/README.md, one case per code: 0 ok, 1 error (bad config or
// value), 2 bad command line, 3 training diverged, 4 missing/unreadable/corrupt file, 130
// stopped by Ctrl-C (a real SIGINT to a training process, which must save a checkpoint).
#include "cli_runner.hpp"

namespace nabla::test {
namespace {

// The error is the last line of stderr, one line starting with "nabla: " (progress lines, as
// before a divergence, may precede it).
void expect_code(const CliResult& r, int code, const std::string& needle) {
  EXPECT_EQ(r.code, code) << r.err;
  if (code == 0) {
    EXPECT_NE(r.out.find(needle), std::string::npos) << "expected '" << needle << "' in: " << r.out;
    return;
  }
  ASSERT_FALSE(r.err.empty());
  const size_t start = r.err.rfind('\n', r.err.size() - 2);
  const std::string last = r.err.substr(start == std::string::npos ? 0 : start + 1);
  EXPECT_EQ(last.rfind("nabla: ", 0), 0u) << r.err;
  EXPECT_NE(last.find(needle), std::string::npos) << "expected '" << needle << "' in: " << r.err;
}

TEST(CliExitCodes, ZeroOneTwoThreeFour) {
  CliSandbox box;
  box.write("c.toml", tiny_config(1));
  expect_code(box.run("train c.toml --out run"), 0, "test accuracy");

  // 1: what is wrong is inside the config (syntax, unknown key, bad value, bad --set)
  box.write("syntax.toml", "[train\nepochs = 3\n");
  expect_code(box.run("train syntax.toml"), 1, "syntax.toml:1");
  box.write("typo.toml", tiny_config(1, "ephocs = 3\n"));
  expect_code(box.run("train typo.toml"), 1, "ephocs");
  expect_code(box.run("train c.toml --out b --set train.epochs=-3"), 1, "train.epochs");
  expect_code(box.run("train c.toml --out b --set train.epochs=\\\"three\\\""), 1, "train.epochs");

  // 2: the command line itself
  expect_code(box.run("train c.toml --bogus"), 2, "--bogus");
  expect_code(box.run("train c.toml --out run --resume --force"), 2, "--resume and --force");
  expect_code(box.run("train c.toml --out run --resume --set model.layers[1].out=8"), 2,
              "model.layers[1].out");

  // 3: divergence
  expect_code(box.run("train c.toml --out d --set optimizer.name=sgd --set optimizer.lr=1e30"), 3,
              "diverged");

  // 4: missing or unreadable files and folders
  expect_code(box.run("train nope.toml"), 4, "nope.toml");
  std::filesystem::create_directories(box.dir() / "folder.toml");
  expect_code(box.run("train folder.toml"), 4, "is a folder");
  expect_code(box.run("eval no_such_run"), 4, "no_such_run");
}

TEST(CliExitCodes, CtrlCSavesACheckpointAndExits130) {
  CliSandbox box;
  box.write("c.toml", tiny_config(100000));
  Child child(box.spawn("train c.toml --out run --threads 1"));
  // run.json is written once training has begun, after the Ctrl-C handler is installed.
  ASSERT_TRUE(wait_for_file(box.dir() / "run" / "run.json")) << box.bg_err();
  ASSERT_EQ(::kill(child.pid(), SIGINT), 0);
  EXPECT_EQ(child.wait(), 130) << box.bg_err();
  EXPECT_NE(box.bg_err().find("checkpoint saved"), std::string::npos) << box.bg_err();
  // the checkpoint it saved continues
  CliResult resumed = box.run("train c.toml --out run --resume --epochs 2");
  EXPECT_EQ(resumed.code, 0) << resumed.err;
}

}  // namespace
}  // namespace nabla::test
