// Charts as SVG text for the HTML reports and demos, drawn by gnuplot (Debian's gnuplot-nox,
// svg terminal) when it is installed, otherwise by a small built-in line-chart writer, so a
// report never fails for want of a plotting program.
//
// Why gnuplot: axes with nice ticks, legends, contour lines (the optimizer demo) and
// multi-panel layouts come for free; the hand-drawn fallback covers only plain line charts.
#pragma once
#include <string>
#include <vector>

namespace nabla::report::plot {

struct Series {
  std::string name;
  std::vector<double> x, y;
  std::string style = "lines";  // gnuplot style: lines | linespoints | points
};

struct ChartOptions {
  std::string title;
  std::string xlabel;
  std::string ylabel;
  int width = 560;
  int height = 340;
  bool logy = false;
  std::string yrange = {};  // gnuplot range, e.g. "[0:1]"; empty = auto
};

// A line chart of the series.
std::string line_chart(const std::vector<Series>& series, const ChartOptions& options);

// Runs a gnuplot script (without terminal/output lines: they are added) and returns the SVG.
// `data_blocks` are written before the script as $name << EOD ... EOD datablocks.
// Throws nabla::Error when gnuplot is missing or fails.
std::string gnuplot_svg(const std::string& script, int width, int height,
                        const std::vector<std::pair<std::string, std::string>>& data_blocks = {});
bool gnuplot_available();

// Makes the SVG's ids unique (prefix) so several charts can be inlined in one HTML page, and
// drops the XML prologue.
std::string inline_svg(const std::string& svg, const std::string& id_prefix);

// Formats "x y" rows of a datablock.
std::string xy_block(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace nabla::report::plot
