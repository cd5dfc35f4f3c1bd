// `nabla compare` end to end: per-sample, mini-batch and full-batch runs of the tiny synthetic
// task overlaid on one page; a missing run folder is exit code 4 with one line on stderr.
#include "cli_runner.hpp"

namespace nabla::test {
namespace {

// tiny_config with its batch size replaced (0 = the whole training set in one batch).
std::string config_with_batch(int batch_size, int epochs) {
  std::string c = tiny_config(epochs);
  const std::string key = "batch_size = 16";
  const size_t at = c.find(key);
  EXPECT_NE(at, std::string::npos) << "tiny_config no longer sets batch_size = 16";
  if (at != std::string::npos)
    c.replace(at, key.size(), "batch_size = " + std::to_string(batch_size));
  return c;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size()))
    ++n;
  return n;
}

TEST(CliCompare, OverlaysPerSampleMiniBatchAndFullBatchRuns) {
  CliSandbox box;
  const std::pair<const char*, int> runs[] = {
      {"per_sample", 1}, {"mini_batch", 16}, {"full_batch", 0}};
  for (const auto& [name, batch] : runs) {
    box.write(std::string(name) + ".toml", config_with_batch(batch, 3));
    CliResult t = box.run(std::string("train ") + name + ".toml --out " + name + " --threads 1");
    ASSERT_EQ(t.code, 0) << name << ": " << t.err;
  }
  CliResult c = box.run("compare per_sample mini_batch full_batch --out cmp/page.html");
  ASSERT_EQ(c.code, 0) << c.err;
  EXPECT_NE(c.out.find("cmp/page.html"), std::string::npos) << c.out;
  const std::string page = slurp(box.dir() / "cmp/page.html");
  ASSERT_FALSE(page.empty());
  EXPECT_NE(page.find("per_sample (batch 1)"), std::string::npos);
  EXPECT_NE(page.find("mini_batch (batch 16)"), std::string::npos);
  EXPECT_NE(page.find("full_batch (full batch)"), std::string::npos);
  // 3 quantities x 3 x axes, each an inline chart
  EXPECT_EQ(count(page, "</svg>"), 9u);
  EXPECT_NE(page.find("training images seen"), std::string::npos);
  EXPECT_NE(page.find("training seconds"), std::string::npos);
  // the table: one row per run with its test accuracy from summary.json (3 epochs, not unfinished)
  EXPECT_EQ(count(page, "n/a (unfinished)"), 0u);
  EXPECT_NE(page.find("<td>full (192)</td>"), std::string::npos);

  // the default output path
  CliResult d = box.run("compare per_sample full_batch");
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_TRUE(std::filesystem::exists(box.dir() / "runs/compare.html"));
}

TEST(CliCompare, MissingRunFolderIsExitCode4OnOneLine) {
  CliSandbox box;
  box.write("c.toml", tiny_config(1));
  ASSERT_EQ(box.run("train c.toml --out a --threads 1").code, 0);
  CliResult r = box.run("compare a no_such_run");
  EXPECT_EQ(r.code, 4) << r.err;
  EXPECT_EQ(r.err_lines(), 1) << r.err;
  EXPECT_NE(r.err.find("no_such_run"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");  // no half-written "wrote ..." line
  // a folder that exists but is no run
  std::filesystem::create_directories(box.dir() / "empty");
  CliResult e = box.run("compare a empty");
  EXPECT_EQ(e.code, 4) << e.err;
  EXPECT_EQ(e.err_lines(), 1) << e.err;
  // one run is a command-line error
  EXPECT_EQ(box.run("compare a").code, 2);
}

}  // namespace
}  // namespace nabla::test
