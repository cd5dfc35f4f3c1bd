// `nabla` error paths: every failure is one line on stderr and a non-zero exit code, and an
// existing run folder is never overwritten without --force.
#include "cli_runner.hpp"

namespace nabla::test {
namespace {

void expect_one_line_error(const CliResult& r, int code, const std::string& needle) {
  EXPECT_EQ(r.code, code) << r.err;
  EXPECT_EQ(r.err_lines(), 1) << r.err;
  EXPECT_EQ(r.err.rfind("nabla: ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "expected '" << needle << "' in: " << r.err;
}

TEST(CliBasics, VersionAndHelp) {
  CliSandbox box;
  CliResult v = box.run("--version");
  EXPECT_EQ(v.code, 0);
  EXPECT_EQ(v.out.rfind("nabla ", 0), 0u) << v.out;
  CliResult h = box.run("--help");
  EXPECT_EQ(h.code, 0);
  for (const char* sub :
       {"train", "eval", "predict", "cv", "ensemble", "report", "demo", "summary"})
    EXPECT_NE(h.out.find(sub), std::string::npos) << sub;
  CliResult th = box.run("train --help");
  EXPECT_EQ(th.code, 0);
  EXPECT_NE(th.out.find("--resume"), std::string::npos);
}

TEST(CliErrors, BadFlagsAndValues) {
  CliSandbox box;
  box.write("c.toml", tiny_config());
  expect_one_line_error(box.run("train c.toml --bogus"), 2, "--bogus");
  expect_one_line_error(box.run("train c.toml --threads 0"), 2, "--threads");
  expect_one_line_error(box.run("train"), 2, "config");
  expect_one_line_error(box.run("frobnicate"), 2, "frobnicate");
  expect_one_line_error(box.run("demo sorting"), 2, "sorting");
  expect_one_line_error(box.run("ensemble c.toml --method stacking"), 2, "stacking");
  expect_one_line_error(box.run("train c.toml --resume --force"), 2, "--resume and --force");
}

TEST(CliErrors, MissingAndBadConfigs) {
  CliSandbox box;
  expect_one_line_error(box.run("train nope.toml"), 4, "nope.toml");
  box.write("syntax.toml", "[train\nepochs = 3\n");
  CliResult s = box.run("train syntax.toml");
  EXPECT_EQ(s.code, 1) << s.err;  // README: 1 = bad config
  EXPECT_EQ(s.err_lines(), 1) << s.err;
  EXPECT_NE(s.err.find("syntax.toml"), std::string::npos) << s.err;

  box.write("typo.toml", tiny_config(1, "ephocs = 3\n"));
  CliResult t = box.run("train typo.toml");
  EXPECT_EQ(t.code, 1) << t.err;
  EXPECT_EQ(t.err_lines(), 1) << t.err;
  EXPECT_NE(t.err.find("ephocs"), std::string::npos) << t.err;

  box.write("layer.toml", tiny_config(1) + "\n");
  expect_one_line_error(box.run("train layer.toml --set model.layers[1].type=conv9d"), 1, "conv9d");
  expect_one_line_error(box.run("train layer.toml --set optimizer.name=lbfgs"), 1, "lbfgs");
  CliResult wrong_type = box.run("train layer.toml --set train.epochs=\\\"three\\\"");
  EXPECT_EQ(wrong_type.code, 1) << wrong_type.err;
  EXPECT_EQ(wrong_type.err_lines(), 1) << wrong_type.err;
}

TEST(CliErrors, MissingRunsAndImages) {
  CliSandbox box;
  expect_one_line_error(box.run("eval no_such_run"), 4, "no_such_run");
  expect_one_line_error(box.run("report no_such_run"), 4, "no_such_run");
  std::filesystem::create_directories(box.dir() / "empty_run");
  expect_one_line_error(box.run("predict empty_run x.png"), 4, "not a run folder");
  box.write("c.toml", tiny_config(1));
  ASSERT_EQ(box.run("train c.toml --out r").code, 0);
  expect_one_line_error(box.run("predict r missing.png"), 4, "missing.png");
  box.write("garbage.png", "this is not a png");
  expect_one_line_error(box.run("predict r garbage.png"), 4, "garbage.png");
}

TEST(CliErrors, ExistingRunFolderNeedsForce) {
  CliSandbox box;
  box.write("c.toml", tiny_config(1));
  CliResult first = box.run("train c.toml --out run");
  ASSERT_EQ(first.code, 0) << first.err;
  const std::string before = slurp(box.dir() / "run" / "model.safetensors");
  expect_one_line_error(box.run("train c.toml --out run --set optimizer.lr=0.05"), 1,
                        "already exists");
  EXPECT_EQ(slurp(box.dir() / "run" / "model.safetensors"), before)
      << "the refused run must not touch the folder";
  // a folder with someone else's files is refused too
  std::filesystem::create_directories(box.dir() / "mine");
  box.write("mine/notes.txt", "keep me");
  expect_one_line_error(box.run("train c.toml --out mine"), 1, "already exists");
  CliResult forced = box.run("train c.toml --out run --force --set optimizer.lr=0.05");
  EXPECT_EQ(forced.code, 0) << forced.err;
  EXPECT_NE(slurp(box.dir() / "run" / "model.safetensors"), before);
}

TEST(CliErrors, DivergenceExitsWithCode3AndNamesTheStep) {
  CliSandbox box;
  box.write("c.toml", tiny_config(3));
  CliResult r = box.run("train c.toml --out run --set optimizer.name=sgd --set optimizer.lr=1e30");
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.err.find("diverged"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("step"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace nabla::test
