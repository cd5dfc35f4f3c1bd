// Runs the real `nabla` program (built by apps/nabla; its path comes from CMake as
// NABLA_CLI_PATH) in a temp folder and captures exit code, stdout and stderr.
#pragma once
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace nabla::test {

struct CliResult {
  int code = -1;
  std::string out;
  std::string err;
  int err_lines() const {
    int n = 0;
    for (char c : err) n += c == '\n';
    return n;
  }
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

class CliSandbox {
 public:
  CliSandbox() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("nabla_cli_" + std::string(info ? info->name() : "x") + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~CliSandbox() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::filesystem::path& dir() const { return dir_; }
  std::string path(const std::string& f) const { return (dir_ / f).string(); }
  void write(const std::string& f, const std::string& text) const { std::ofstream(dir_ / f) << text; }

  // `args` is passed through the shell, run inside the sandbox folder.
  CliResult run(const std::string& args) const {
    const std::string cmd = "cd '" + dir_.string() + "' && '" + std::string(NABLA_CLI_PATH) + "' " + args +
                            " > .stdout 2> .stderr < /dev/null";
    const int status = std::system(cmd.c_str());
    CliResult r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(dir_ / ".stdout");
    r.err = slurp(dir_ / ".stderr");
    return r;
  }

 private:
  std::filesystem::path dir_;
};

// A config that trains in well under a second: synthetic 4-class 8x8 images, a small MLP.
inline std::string tiny_config(int epochs = 2, const std::string& extra_train = "") {
  return "seed = 1\n[data]\ndataset = \"synthetic\"\nclasses = 4\nimage_size = 8\ntrain_size = 192\n"
         "test_size = 64\nnoise = 0.8\n[model]\nname = \"tiny\"\nlayers = [ { type = \"flatten\" }, "
         "{ type = \"linear\", out = 16 }, { type = \"relu\" }, { type = \"dropout\", p = 0.1 }, "
         "{ type = \"linear\", out = 4 } ]\n[optimizer]\nname = \"adam\"\nlr = 0.01\n[train]\nbatch_size = 16\n"
         "epochs = " +
         std::to_string(epochs) + "\n" + extra_train;
}

}  // namespace nabla::test
