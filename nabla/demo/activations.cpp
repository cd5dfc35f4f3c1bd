#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>

#include "nabla/autograd/node.hpp"
#include "nabla/demo/demo.hpp"
#include "nabla/ops/activation.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/reduce.hpp"
#include "nabla/ops/shape.hpp"
#include "nabla/report/html.hpp"
#include "nabla/report/plot.hpp"

namespace nabla::demo {

std::vector<ActivationCurve> run_activation_demo() {
  using Fn = std::function<Tensor(const Tensor&)>;
  const std::vector<std::pair<std::string, Fn>> acts{
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }},
      {"tanh", [](const Tensor& x) { return tanh(x); }},
      {"ReLU", [](const Tensor& x) { return relu(x); }},
      {"Leaky ReLU (0.1)", [](const Tensor& x) { return leaky_relu(x, 0.1); }},
      // Maxout with two linear pieces, x and -0.5x: it learns its own (here convex) shape.
      {"Maxout max(x, -0.5x)",
       [](const Tensor& x) {
         return squeeze(maxout(stack({x, -0.5 * x}, 1), 2, 1), 1);
       }},
      // softmax over the logits (x, 0): its first output is sigmoid(x), the 2-class case.
      {"softmax([x, 0])[0]",
       [](const Tensor& x) {
         return select(softmax(stack({x, Tensor::zeros_like(x)}, 1), 1), 1, 0);
       }},
  };
  constexpr int64_t kN = 401;
  std::vector<ActivationCurve> out;
  for (const auto& [name, fn] : acts) {
    Tensor x = Tensor::arange(-5, 5.0 + 1e-9, 10.0 / (kN - 1), DType::Float64);
    x.set_requires_grad(true);
    Tensor y = fn(x);
    const std::vector<Tensor> g = autograd::grad(sum(y), {x});
    ActivationCurve c;
    c.name = name;
    c.x = x.detach().to_vector<double>();
    c.y = y.detach().to_vector<double>();
    c.dy = g[0].to_vector<double>();
    int64_t zeros = 0;
    for (double d : c.dy)
      c.max_derivative = std::max(c.max_derivative, std::fabs(d)), zeros += d == 0;
    c.zero_gradient_fraction = static_cast<double>(zeros) / static_cast<double>(c.dy.size());
    out.push_back(std::move(c));
  }
  return out;
}

std::string activation_demo_table(const std::vector<ActivationCurve>& curves) {
  std::ostringstream os;
  char buf[200];
  std::snprintf(buf, sizeof buf, "%-22s %14s %22s %24s\n", "activation", "max |f'(x)|",
                "max |f'|^10 (10 layers)", "inputs with zero gradient");
  os << buf;
  for (const auto& c : curves) {
    std::snprintf(buf, sizeof buf, "%-22s %14.4f %22.3g %23.1f%%\n", c.name.c_str(),
                  c.max_derivative, std::pow(c.max_derivative, 10), 100 * c.zero_gradient_fraction);
    os << buf;
  }
  return os.str();
}

std::string activation_demo_html(const std::vector<ActivationCurve>& curves) {
  std::vector<std::pair<std::string, std::string>> blocks;
  std::ostringstream sc;
  sc << "set multiplot layout 2,3\nset grid\nset key top left font ',9'\nset xrange [-5:5]\nset "
        "yrange [-1.6:2.6]\n";
  for (size_t i = 0; i < curves.size(); ++i) {
    blocks.emplace_back("f" + std::to_string(i), report::plot::xy_block(curves[i].x, curves[i].y));
    blocks.emplace_back("d" + std::to_string(i), report::plot::xy_block(curves[i].x, curves[i].dy));
    sc << "set title '" << curves[i].name << "'\nplot $f" << i
       << " with lines lw 2 lc 1 title 'f(x)', $d" << i
       << " with lines lw 2 dt 2 lc 7 title \"f'(x) (autograd)\"\n";
  }
  sc << "unset multiplot\n";
  const std::string svg =
      report::plot::inline_svg(report::plot::gnuplot_svg(sc.str(), 1300, 760, blocks), "act_");
  std::ostringstream b;
  b << "<p>Each activation is nabla's op; its derivative comes from autograd "
       "(sum(f(x)).backward()).</p>\n"
    << "<div class=\"charts wide\">" << svg << "</div>\n"
    << "<h2>Vanishing gradients and dying ReLUs</h2>\n<table><tr><th>activation</th><th>max "
       "|f'(x)|</th>"
       "<th>max |f'|<sup>10</sup>: best case through 10 layers</th><th>inputs in [-5, 5] with zero "
       "gradient</th></tr>\n";
  for (const auto& c : curves) {
    b << "<tr><th>" << report::html::escape(c.name) << "</th><td>"
      << report::html::num(c.max_derivative) << "</td><td>"
      << report::html::num(std::pow(c.max_derivative, 10), "%.3g") << "</td><td>"
      << report::html::num(100 * c.zero_gradient_fraction, "%.1f") << "%</td></tr>\n";
  }
  b << "</table>\n<p>Sigmoid's derivative is at most 0.25, so a gradient passing through 10 "
       "sigmoid layers shrinks by "
       "at least 0.25<sup>10</sup> &asymp; 1e-6 (vanishing gradient). ReLU's gradient is exactly 0 "
       "for every negative "
       "input: a unit whose inputs all stay negative never updates again (dying ReLU); Leaky ReLU "
       "keeps a small slope.</p>\n";
  return report::html::page("nabla demo: activations and their derivatives", b.str());
}

}  // namespace nabla::demo
