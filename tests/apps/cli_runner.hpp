// Runs the real `nabla` program (built by apps/nabla; its path comes from CMake as
// NABLA_CLI_PATH) in a temp folder and captures exit code, stdout and stderr.
#pragma once
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
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
    dir_ =
        std::filesystem::temp_directory_path() /
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
  void write(const std::string& f, const std::string& text) const {
    std::ofstream(dir_ / f) << text;
  }

  // `args` is passed through the shell, run inside the sandbox folder.
  CliResult run(const std::string& args) const {
    const std::string cmd = "cd '" + dir_.string() + "' && '" + std::string(NABLA_CLI_PATH) + "' " +
                            args + " > .stdout 2> .stderr < /dev/null";
    const int status = std::system(cmd.c_str());
    CliResult r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(dir_ / ".stdout");
    r.err = slurp(dir_ / ".stderr");
    return r;
  }

  // Starts `nabla args` in the background (stdout/stderr to .bg_stdout/.bg_stderr) and returns
  // its pid; `exec` makes the pid nabla's own, so signals reach it and not a shell.
  pid_t spawn(const std::string& args) const {
    const std::string cmd = "cd '" + dir_.string() + "' && exec '" + std::string(NABLA_CLI_PATH) +
                            "' " + args + " > .bg_stdout 2> .bg_stderr < /dev/null";
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return pid;
  }
  std::string bg_err() const { return slurp(dir_ / ".bg_stderr"); }

 private:
  std::filesystem::path dir_;
};

// Waits (up to `seconds`) until `file` exists; false on timeout.
inline bool wait_for_file(const std::filesystem::path& file, double seconds = 60) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (std::filesystem::exists(file)) return true;
    ::usleep(20000);
  }
  return false;
}

// The exit code of a spawned child (waiting up to `seconds`, then killing it: -1), or
// 128 + signal when a signal ended it.
inline int wait_exit(pid_t pid, double seconds = 120) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > end) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    ::usleep(20000);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A background child that is killed if the test ends early (a failed ASSERT).
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  int wait(double seconds = 120) {
    const int code = wait_exit(pid_, seconds);
    pid_ = -1;
    return code;
  }

 private:
  pid_t pid_;
};

// A config that trains in well under a second: synthetic 4-class 8x8 images, a small MLP.
inline std::string tiny_config(int epochs = 2, const std::string& extra_train = "") {
  return "seed = 1\n[data]\ndataset = \"synthetic\"\nclasses = 4\nimage_size = 8\ntrain_size = "
         "192\n"
         "test_size = 64\nnoise = 0.8\n[model]\nname = \"tiny\"\nlayers = [ { type = \"flatten\" "
         "}, "
         "{ type = \"linear\", out = 16 }, { type = \"relu\" }, { type = \"dropout\", p = 0.1 }, "
         "{ type = \"linear\", out = 4 } ]\n[optimizer]\nname = \"adam\"\nlr = "
         "0.01\n[train]\nbatch_size = 16\n"
         "epochs = " +
         std::to_string(epochs) + "\n" + extra_train;
}

// 32x32 scenes with 8..16 px items; encoder 8 ch at 32 px, pool, 8 ch at 16 px, a 2x2
// stride-2 transposed conv back to 32 px added to the 32 px features, then the class maps.
inline std::string tiny_segment_config(const std::string& head = "") {
  return R"(seed = 3
[data]
dataset = "scenes"
train_scenes = 12
test_scenes = 4
size = 32
min_item_size = 8
max_item_size = 16
[model]
name = "tiny_fcn"
layers = [
  { type = "conv2d", out = 8, kernel = 3, padding = 1 }, { name = "e1", type = "relu" },
  { type = "maxpool2d", kernel = 2 },
  { type = "conv2d", out = 8, kernel = 3, padding = 1 }, { type = "relu" },
  { name = "up", type = "conv_transpose2d", out = 8, kernel = 2, stride = 2 },
  { name = "s", type = "add", inputs = ["up", "e1"] },
)" + (head.empty() ? "  { type = \"conv2d\", out = \"classes\", kernel = 1 },\n" : head) +
         R"(]
[optimizer]
name = "adam"
lr = 0.01
[train]
epochs = 2
batch_size = 4
eval_batch_size = 4
)";
}

}  // namespace nabla::test
