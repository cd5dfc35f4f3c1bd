// The notes' pictures, computed with nabla itself:
//  - optimizers: SGD, Momentum, Nesterov, Adagrad, Adadelta, RMSprop and Adam (the real
//    nabla::optim classes, autograd gradients) walking the Rosenbrock valley, Beale's function
//    and a saddle x^2 - y^2; paths drawn over contour lines, with a table of steps to converge;
//  - activations: sigmoid, tanh, ReLU, Leaky ReLU, Maxout and 2-class softmax with their
//    derivatives (by autograd), and the numbers behind vanishing gradients and dying ReLUs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace nabla::demo {

struct OptimizerPath {
  std::string optimizer;
  double lr = 0;
  std::vector<double> x, y, f;     // start point first
  int64_t steps_to_converge = -1;  // -1: not within max_steps
  bool diverged = false;
};

struct Surface {
  std::string name;       // "rosenbrock", "beale", "saddle"
  std::string formula;    // gnuplot expression in x and y
  std::string goal;       // what "converged" means for it
  double x0, x1, y0, y1;  // plot window
  double start_x, start_y;
  std::vector<OptimizerPath> paths;
};

std::vector<Surface> run_optimizer_demo(int64_t max_steps = 5000);
// An HTML page: one picture (three panels) and the steps table.
std::string optimizer_demo_html(const std::vector<Surface>& surfaces);
// Plain-text table for the terminal.
std::string optimizer_demo_table(const std::vector<Surface>& surfaces);

struct ActivationCurve {
  std::string name;
  std::vector<double> x, y, dy;  // values and derivatives (autograd)
  double max_derivative = 0;
  double zero_gradient_fraction = 0;  // share of inputs in [-5, 5] whose gradient is 0
};

std::vector<ActivationCurve> run_activation_demo();
std::string activation_demo_html(const std::vector<ActivationCurve>& curves);
std::string activation_demo_table(const std::vector<ActivationCurve>& curves);

}  // namespace nabla::demo
