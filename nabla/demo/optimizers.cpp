#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <sstream>

#include "nabla/demo/demo.hpp"
#include "nabla/ops/elementwise.hpp"
#include "nabla/ops/shape.hpp"
#include "nabla/optim/optim.hpp"
#include "nabla/report/html.hpp"
#include "nabla/report/plot.hpp"

namespace nabla::demo {

namespace {

using SurfaceFn = std::function<Tensor(const Tensor& x, const Tensor& y)>;

struct SurfaceSpec {
  Surface s;
  SurfaceFn f;
  std::function<bool(double x, double y, double f)> done;
  // learning rate per optimizer, in the order of kOptimizers (Adadelta's is its multiplier 1.0)
  std::vector<double> lrs;
};

const std::vector<std::string> kOptimizers{"SGD",      "Momentum", "Nesterov", "Adagrad",
                                           "Adadelta", "RMSprop",  "Adam"};

std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& name, const Tensor& p,
                                                 double lr) {
  if (name == "SGD")
    return std::make_unique<optim::SGD>(std::vector<Tensor>{p}, optim::SgdOptions{.lr = lr});
  if (name == "Momentum")
    return std::make_unique<optim::SGD>(std::vector<Tensor>{p},
                                        optim::SgdOptions{.lr = lr, .momentum = 0.9});
  if (name == "Nesterov")
    return std::make_unique<optim::SGD>(
        std::vector<Tensor>{p}, optim::SgdOptions{.lr = lr, .momentum = 0.9, .nesterov = true});
  if (name == "Adagrad")
    return std::make_unique<optim::Adagrad>(std::vector<Tensor>{p},
                                            optim::AdagradOptions{.lr = lr});
  if (name == "Adadelta")
    return std::make_unique<optim::Adadelta>(
        std::vector<Tensor>{p}, optim::AdadeltaOptions{.lr = lr, .rho = 0.9, .eps = 1e-6});
  if (name == "RMSprop")
    return std::make_unique<optim::RMSprop>(std::vector<Tensor>{p},
                                            optim::RmspropOptions{.lr = lr});
  return std::make_unique<optim::Adam>(std::vector<Tensor>{p}, optim::AdamOptions{.lr = lr});
}

std::vector<SurfaceSpec> specs() {
  std::vector<SurfaceSpec> v;
  // Rosenbrock: a curved valley, minimum 0 at (1, 1).
  v.push_back({{"rosenbrock",
                "(1-x)**2 + 100*(y-x**2)**2",
                "f < 1e-3 (minimum 0 at (1, 1))",
                -2,
                2,
                -1,
                3,
                -1.5,
                2.0,
                {}},
               [](const Tensor& x, const Tensor& y) {
                 return pow(1.0 - x, 2) + 100.0 * pow(y - pow(x, 2), 2);
               },
               [](double, double, double f) { return f < 1e-3; },
               {1e-3, 2e-4, 2e-4, 0.5, 1.0, 0.01, 0.05}});
  // Beale: flat plateaus and steep walls, minimum 0 at (3, 0.5).
  v.push_back({{"beale",
                "(1.5-x+x*y)**2 + (2.25-x+x*y**2)**2 + (2.625-x+x*y**3)**2",
                "f < 1e-3 (minimum 0 at (3, 0.5))",
                -1,
                4,
                -1.5,
                2,
                0.5,
                1.5,
                {}},
               [](const Tensor& x, const Tensor& y) {
                 return pow(1.5 - x + x * y, 2) + pow(2.25 - x + x * pow(y, 2), 2) +
                        pow(2.625 - x + x * pow(y, 3), 2);
               },
               [](double, double, double f) { return f < 1e-3; },
               {1e-3, 1e-3, 1e-3, 0.5, 1.0, 0.01, 0.05}});
  // Saddle: x^2 - y^2 has no minimum; started almost on the ridge, the question is how fast an
  // optimizer escapes along y (the notes' saddle-point picture).
  v.push_back(
      {{"saddle", "x**2 - y**2", "escape: f < -1 (|y| > 1)", -1.5, 1.5, -1.5, 1.5, 1.0, 1e-3, {}},
       [](const Tensor& x, const Tensor& y) { return pow(x, 2) - pow(y, 2); },
       [](double, double, double f) { return f < -1; },
       {0.01, 0.01, 0.01, 0.1, 1.0, 0.01, 0.01}});
  return v;
}

}  // namespace

std::vector<Surface> run_optimizer_demo(int64_t max_steps) {
  std::vector<Surface> out;
  for (auto& spec : specs()) {
    Surface s = spec.s;
    for (size_t k = 0; k < kOptimizers.size(); ++k) {
      OptimizerPath path;
      path.optimizer = kOptimizers[k];
      path.lr = spec.lrs[k];
      Tensor p = Tensor::from_vector(std::vector<double>{s.start_x, s.start_y}, {2});
      p.set_requires_grad(true);
      auto opt = make_optimizer(path.optimizer, p, path.lr);
      for (int64_t step = 0; step <= max_steps; ++step) {
        Tensor f = spec.f(p.select(0, 0), p.select(0, 1));
        const auto xy = p.to_vector<double>();
        const double fv = f.item();
        path.x.push_back(xy[0]), path.y.push_back(xy[1]), path.f.push_back(fv);
        if (!std::isfinite(fv) || std::fabs(xy[0]) > 1e6 || std::fabs(xy[1]) > 1e6) {
          path.diverged = true;
          break;
        }
        if (spec.done(xy[0], xy[1], fv)) {
          path.steps_to_converge = step;
          break;
        }
        if (step == max_steps) break;
        opt->zero_grad();
        f.backward();
        opt->step();
      }
      s.paths.push_back(std::move(path));
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string optimizer_demo_table(const std::vector<Surface>& surfaces) {
  std::ostringstream os;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%-10s", "optimizer");
  os << buf;
  for (const auto& s : surfaces) {
    std::snprintf(buf, sizeof buf, " %22s", (s.name + " steps (lr)").c_str());
    os << buf;
  }
  os << "\n";
  for (size_t k = 0; k < surfaces[0].paths.size(); ++k) {
    std::snprintf(buf, sizeof buf, "%-10s", surfaces[0].paths[k].optimizer.c_str());
    os << buf;
    for (const auto& s : surfaces) {
      const auto& p = s.paths[k];
      std::string steps = p.diverged                ? "diverged"
                          : p.steps_to_converge < 0 ? "not reached"
                                                    : std::to_string(p.steps_to_converge);
      std::snprintf(buf, sizeof buf, " %22s",
                    (steps + " (" + report::html::num(p.lr, "%g") + ")").c_str());
      os << buf;
    }
    os << "\n";
  }
  return os.str();
}

std::string optimizer_demo_html(const std::vector<Surface>& surfaces) {
  std::vector<std::pair<std::string, std::string>> blocks;
  std::ostringstream sc;
  // contour lines of each surface into datablocks first (splot to a table), then one
  // multiplot with the three panels
  sc << "set view map\nunset surface\nset contour base\nset isosamples 120,120\n";
  for (size_t i = 0; i < surfaces.size(); ++i) {
    const auto& s = surfaces[i];
    sc << "set xrange [" << s.x0 << ":" << s.x1 << "]\nset yrange [" << s.y0 << ":" << s.y1
       << "]\n";
    if (s.name == "saddle")
      sc << "set cntrparam levels discrete -2,-1,-0.5,-0.2,0,0.2,0.5,1,2\n";
    else
      sc << "set cntrparam levels discrete 0.01,0.1,0.5,1,2,5,10,20,50,100,200,500,1000\n";
    sc << "set table $c" << i << "\nsplot " << s.formula << " notitle\nunset table\n";
  }
  sc << "unset contour\nset surface\nset key bottom right font ',9'\nset multiplot layout 1,"
     << surfaces.size() << "\n";
  for (size_t i = 0; i < surfaces.size(); ++i) {
    const auto& s = surfaces[i];
    sc << "set title '" << s.name << "'\nset xrange [" << s.x0 << ":" << s.x1 << "]\nset yrange ["
       << s.y0 << ":" << s.y1 << "]\n";
    if (i > 0) sc << "unset key\n";
    sc << "plot $c" << i << " with lines lc rgb '#c8c8c8' notitle";
    for (size_t k = 0; k < s.paths.size(); ++k) {
      const std::string name = "p" + std::to_string(i) + "_" + std::to_string(k);
      blocks.emplace_back(name, report::plot::xy_block(s.paths[k].x, s.paths[k].y));
      sc << ", $" << name << " with lines lw 2 lc " << k + 1 << " title '" << s.paths[k].optimizer
         << "'";
    }
    sc << ", '-' with points pt 7 ps 1.2 lc rgb 'black' notitle\n"
       << s.start_x << " " << s.start_y << "\ne\n";
  }
  sc << "unset multiplot\n";
  const std::string svg =
      report::plot::inline_svg(report::plot::gnuplot_svg(sc.str(), 1500, 520, blocks), "opt_");

  std::ostringstream b;
  b << "<p>Each optimizer is nabla's own (nabla::optim) on a 2-element parameter with autograd "
       "gradients, "
       "started at the black dot. Learning rates are per surface (Adadelta has none: 1.0 is its "
       "multiplier).</p>\n"
    << "<div class=\"charts wide\">" << svg << "</div>\n";
  b << "<h2>Steps to converge</h2><table><tr><th>optimizer</th>";
  for (const auto& s : surfaces)
    b << "<th>" << report::html::escape(s.name) << "<br><small>" << report::html::escape(s.goal)
      << "</small></th>";
  b << "</tr>\n";
  for (size_t k = 0; k < surfaces[0].paths.size(); ++k) {
    b << "<tr><th>" << surfaces[0].paths[k].optimizer << "</th>";
    for (const auto& s : surfaces) {
      const auto& p = s.paths[k];
      b << "<td>"
        << (p.diverged                ? "diverged"
            : p.steps_to_converge < 0 ? "not within " + std::to_string(p.x.size() - 1)
                                      : std::to_string(p.steps_to_converge))
        << " <small>(lr " << report::html::num(p.lr, "%g") << ", final f "
        << report::html::num(p.f.back(), "%.3g") << ")</small></td>";
    }
    b << "</tr>\n";
  }
  b << "</table>\n";
  return report::html::page("nabla demo: optimizers on Rosenbrock, Beale and a saddle", b.str());
}

}  // namespace nabla::demo
