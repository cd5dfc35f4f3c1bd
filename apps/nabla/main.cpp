// nabla: the command-line program. The only place that reads argv, the environment and the
// terminal, installs the Ctrl-C handler and picks exit codes:
//   0 success, 1 error (bad config, bad value, run folder in use), 2 bad command line (CLI11's
//   parse errors and UsageError), 3 training diverged, 4 missing, unreadable or corrupt file or
//   run folder (IoError), 130 stopped by Ctrl-C (after saving a checkpoint).
// tests/apps/test_cli_exit_codes.cpp checks every code.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "commands.hpp"
#include "nabla/core/error.hpp"

namespace {

std::atomic<bool> g_stop{false};

// First Ctrl-C: ask the trainer to checkpoint and stop at the next step. Second: exit now.
extern "C" void on_sigint(int) {
  if (g_stop.exchange(true)) _exit(130);
}

// Errors are one line on stderr: a multi-line library message (a list of unknown config
// keys, say) is joined with "; ".
int fail(int code, const std::string& message) {
  std::string line;
  bool pending_sep = false;
  for (size_t i = 0; i < message.size(); ++i) {
    const char c = message[i];
    if (c == '\n') {
      pending_sep = true;
      continue;
    }
    if (pending_sep) {
      while (i < message.size() && message[i] == ' ') ++i;
      if (i >= message.size()) break;
      if (!line.empty() && line.back() != ':') line += ";";
      line += ' ';
      pending_sep = false;
    }
    line += message[i];
  }
  std::cerr << "nabla: " << line << std::endl;
  return code;
}

}  // namespace

// OpenMP's default barrier wait spins; on a 2-core machine with any third busy process a
// 2-thread step then waits whole scheduler slices (LeNet step 4 ms -> 120 ms, measured with
// bench/compare_train.sh). The policy is read when libgomp loads, so it can only be set by
// starting the program again with it in the environment. A user's own setting wins.
void use_passive_omp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  setenv("OMP_WAIT_POLICY", "passive", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: carry on with the default policy
}

int main(int argc, char** argv) {
  use_passive_omp_wait(argv);
  using namespace nabla::app;
  CLI::App app{"nabla: train, evaluate and inspect neural networks (Fashion-MNIST and more)",
               "nabla"};
  app.set_version_flag("--version", std::string("nabla ") + NABLA_VERSION);
  app.require_subcommand(0, 1);
  app.footer(
      "Examples:\n"
      "  nabla train configs/lenet_fashion.toml --epochs 5 --out runs/lenet\n"
      "  nabla eval runs/lenet        nabla predict runs/lenet shirt.png\n"
      "  nabla report runs/lenet      (writes runs/lenet/report.html)\n"
      "  nabla compare runs/gd_per_sample runs/gd_mini_batch runs/gd_full_batch\n"
      "  nabla cv configs/mlp_fashion.toml --folds 5\n"
      "  nabla ensemble configs/mlp_fashion.toml --method bagging --members 5\n"
      "  nabla demo optimizers\n"
      "  nabla summary configs/resnet_fashion.toml   (layers, shapes, parameters, FLOPs)\n"
      "Exit codes: 0 ok, 1 error (bad config or value), 2 bad command line, 3 training diverged,\n"
      "4 missing, unreadable or corrupt file, 130 stopped by Ctrl-C (a checkpoint was saved;\n"
      "continue with --resume).");

  TrainArgs train_args;
  EvalArgs eval_args;
  PredictArgs predict_args;
  CvArgs cv_args;
  EnsembleArgs ensemble_args;
  ReportArgs report_args;
  CompareArgs compare_args;
  DemoArgs demo_args;
  SummaryArgs summary_args;
  CLI::App* train_cmd = add_train_command(app, train_args);
  CLI::App* eval_cmd = add_eval_command(app, eval_args);
  CLI::App* predict_cmd = add_predict_command(app, predict_args);
  CLI::App* cv_cmd = add_cv_command(app, cv_args);
  CLI::App* ensemble_cmd = add_ensemble_command(app, ensemble_args);
  CLI::App* report_cmd = add_report_command(app, report_args);
  CLI::App* compare_cmd = add_compare_command(app, compare_args);
  CLI::App* demo_cmd = add_demo_command(app, demo_args);
  CLI::App* summary_cmd = add_summary_command(app, summary_args);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return fail(2, std::string(e.what()) + " (see nabla --help)");
  }

  Context ctx;
  ctx.progress =
      isatty(STDERR_FILENO) ? nabla::train::ProgressMode::Bar : nabla::train::ProgressMode::Lines;
  ctx.stop_flag = &g_stop;
  // Only training stops gracefully (checkpoint, then exit 130); elsewhere Ctrl-C just ends it.
  if (train_cmd->parsed()) std::signal(SIGINT, on_sigint);

  try {
    Outcome out = Outcome::Ok;
    if (train_cmd->parsed())
      out = run_train_command(train_args, ctx);
    else if (eval_cmd->parsed())
      out = run_eval_command(eval_args, ctx);
    else if (predict_cmd->parsed())
      out = run_predict_command(predict_args, ctx);
    else if (cv_cmd->parsed())
      out = run_cv_command(cv_args, ctx);
    else if (ensemble_cmd->parsed())
      out = run_ensemble_command(ensemble_args, ctx);
    else if (report_cmd->parsed())
      out = run_report_command(report_args, ctx);
    else if (compare_cmd->parsed())
      out = run_compare_command(compare_args, ctx);
    else if (demo_cmd->parsed())
      out = run_demo_command(demo_args, ctx);
    else if (summary_cmd->parsed())
      out = run_summary_command(summary_args, ctx);
    else
      std::cout << app.help();
    return out == Outcome::Interrupted ? 130 : 0;
  } catch (const nabla::train::DivergedError& e) {
    return fail(3, e.what());
  } catch (const UsageError& e) {
    return fail(2, std::string(e.what()) + " (see nabla --help)");
  } catch (const nabla::IoError& e) {
    return fail(4, e.what());
  } catch (const nabla::Error& e) {
    return fail(1, e.what());
  } catch (const std::bad_alloc&) {
    return fail(1, "out of memory");
  } catch (const std::exception& e) {
    return fail(1, std::string("internal error: ") + e.what());
  }
}
