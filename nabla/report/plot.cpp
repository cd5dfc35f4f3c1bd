#include "nabla/report/plot.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "nabla/core/error.hpp"
#include "nabla/report/html.hpp"

namespace nabla::report::plot {

namespace fs = std::filesystem;

namespace {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// The fallback: a plain line chart with min/max labels (no gnuplot on the machine).
std::string builtin_line_chart(const std::vector<Series>& series, const ChartOptions& o) {
  const double W = o.width, H = o.height, L = 60, R = 130, T = 30, B = 40;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const auto& s : series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i]) || (o.logy && s.y[i] <= 0)) continue;
      const double y = o.logy ? std::log10(s.y[i]) : s.y[i];
      x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]), y0 = std::min(y0, y),
      y1 = std::max(y1, y);
    }
  if (!(x1 >= x0)) x0 = 0, x1 = 1;
  if (!(y1 >= y0)) y0 = 0, y1 = 1;
  if (x1 == x0) x1 = x0 + 1;
  if (y1 == y0) y1 = y0 + 1;
  auto px = [&](double x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
  auto py = [&](double y) {
    return H - B - ((o.logy ? std::log10(y) : y) - y0) / (y1 - y0) * (H - T - B);
  };
  static const std::array<const char*, 8> colors{"#9400d3", "#009e73", "#56b4e9", "#e69f00",
                                                 "#f0e442", "#0072b2", "#e51e10", "#000000"};
  std::ostringstream os;
  char buf[128];
  os << "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " << W << " " << H << "\" width=\""
     << W << "\" height=\"" << H << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  os << "<rect x=\"" << L << "\" y=\"" << T << "\" width=\"" << W - L - R << "\" height=\""
     << H - T - B << "\" fill=\"none\" stroke=\"#000\"/>\n";
  os << "<text x=\"" << W / 2 << "\" y=\"18\" text-anchor=\"middle\">" << html::escape(o.title)
     << "</text>\n";
  auto label = [&](double v) {
    std::snprintf(buf, sizeof buf, "%.4g", o.logy ? std::pow(10, v) : v);
    return std::string(buf);
  };
  os << "<text x=\"" << L - 4 << "\" y=\"" << T + 4 << "\" text-anchor=\"end\">" << label(y1)
     << "</text>\n";
  os << "<text x=\"" << L - 4 << "\" y=\"" << H - B << "\" text-anchor=\"end\">" << label(y0)
     << "</text>\n";
  std::snprintf(buf, sizeof buf, "%.4g", x0);
  os << "<text x=\"" << L << "\" y=\"" << H - B + 14 << "\" text-anchor=\"middle\">" << buf
     << "</text>\n";
  std::snprintf(buf, sizeof buf, "%.4g", x1);
  os << "<text x=\"" << W - R << "\" y=\"" << H - B + 14 << "\" text-anchor=\"middle\">" << buf
     << "</text>\n";
  os << "<text x=\"" << (L + W - R) / 2 << "\" y=\"" << H - 6 << "\" text-anchor=\"middle\">"
     << html::escape(o.xlabel) << "</text>\n";
  for (size_t k = 0; k < series.size(); ++k) {
    const auto& s = series[k];
    os << "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"" << colors[k % colors.size()]
       << "\" points=\"";
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i]) || (o.logy && s.y[i] <= 0)) continue;
      std::snprintf(buf, sizeof buf, "%.1f,%.1f ", px(s.x[i]), py(s.y[i]));
      os << buf;
    }
    os << "\"/>\n<text x=\"" << W - R + 8 << "\" y=\"" << T + 14 + 16 * k << "\" fill=\""
       << colors[k % colors.size()] << "\">" << html::escape(s.name) << "</text>\n";
  }
  os << "</svg>\n";
  return os.str();
}

}  // namespace

std::string xy_block(const std::vector<double>& x, const std::vector<double>& y) {
  std::ostringstream os;
  char buf[64];
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (std::isfinite(y[i]))
      std::snprintf(buf, sizeof buf, "%.10g %.10g\n", x[i], y[i]);
    else
      std::snprintf(buf, sizeof buf, "%.10g NaN\n", x[i]);
    os << buf;
  }
  return os.str();
}

bool gnuplot_available() {
  static const bool ok = [] {
    FILE* p = popen("gnuplot --version 2>/dev/null", "r");
    if (p == nullptr) return false;
    char buf[64];
    const bool read = std::fgets(buf, sizeof buf, p) != nullptr;
    return pclose(p) == 0 && read;
  }();
  return ok;
}

std::string gnuplot_svg(const std::string& script, int width, int height,
                        const std::vector<std::pair<std::string, std::string>>& data_blocks) {
  NABLA_CHECK(gnuplot_available(), "plot", "gnuplot is not installed (Debian package gnuplot-nox)");
  std::ostringstream full;
  // noenhanced: titles and legends are printed as given (run folders like gd_per_sample would
  // otherwise turn "_" into a subscript).
  full << "set terminal svg size " << width << "," << height
       << " dynamic noenhanced font 'sans,11'\n";
  for (const auto& [name, rows] : data_blocks)
    full << "$" << name << " << EOD\n" << rows << "EOD\n";
  full << script << "\n";
  // The script goes through a temp file: gnuplot reads datablocks reliably from files.
  const fs::path tmp =
      fs::temp_directory_path() / ("nabla_plot_" + std::to_string(::getpid()) + "_" +
                                   std::to_string(reinterpret_cast<uintptr_t>(&full)) + ".gp");
  {
    std::ofstream f(tmp);
    NABLA_CHECK(static_cast<bool>(f), "plot", "cannot write a temp file in ",
                fs::temp_directory_path().string());
    f << full.str();
  }
  const std::string cmd = "gnuplot " + quote(tmp.string()) + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  NABLA_CHECK(p != nullptr, "plot", "cannot run gnuplot");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = pclose(p);
  std::error_code ec;
  fs::remove(tmp, ec);
  const size_t svg_at = out.find("<svg");
  NABLA_CHECK(rc == 0 && svg_at != std::string::npos, "plot",
              "gnuplot failed: ", out.substr(0, 300));
  return out;
}

std::string inline_svg(const std::string& svg, const std::string& p) {
  std::string s = svg.substr(std::min(svg.size(), svg.find("<svg")));
  s = std::regex_replace(s, std::regex(R"(id=(['"]))"), "id=$1" + p);
  s = std::regex_replace(s, std::regex(R"(href=(['"])#)"), "href=$1#" + p);
  s = std::regex_replace(s, std::regex(R"(url\(#)"), "url(#" + p);
  return s;
}

std::string line_chart(const std::vector<Series>& series, const ChartOptions& o) {
  if (!gnuplot_available()) return builtin_line_chart(series, o);
  std::ostringstream sc;
  std::vector<std::pair<std::string, std::string>> blocks;
  sc << "set title " << quote(o.title) << "\nset xlabel " << quote(o.xlabel) << "\nset ylabel "
     << quote(o.ylabel) << "\nset grid\nset key outside right top\n";
  if (o.logy) sc << "set logscale y\n";
  if (!o.yrange.empty()) sc << "set yrange " << o.yrange << "\n";
  // epochs: whole-number ticks when there are few of them
  double xmax = 0;
  bool integral = true;
  for (const auto& s : series)
    for (double x : s.x)
      integral = integral && x == std::floor(x), xmax = std::max(xmax, std::fabs(x));
  if (integral && xmax <= 20) sc << "set xtics 1\n";
  sc << "plot ";
  for (size_t k = 0; k < series.size(); ++k) {
    const std::string name = "s" + std::to_string(k);
    blocks.emplace_back(name, xy_block(series[k].x, series[k].y));
    sc << (k ? ", " : "") << "$" << name << " using 1:2 with " << series[k].style << " lw 2 title "
       << quote(series[k].name);
  }
  sc << "\n";
  return gnuplot_svg(sc.str(), o.width, o.height, blocks);
}

}  // namespace nabla::report::plot
