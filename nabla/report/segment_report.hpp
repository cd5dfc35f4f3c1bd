// `nabla report RUN` on a segmentation run (`nabla segment train`, recipe/segment.hpp): one
// self-contained report.html with the loss curves, the test scenes' IoU per class (with pixel
// counts), mean IoU and pixel accuracy, the pixel confusion matrix over the 11 scene classes,
// and test scenes drawn three times side by side (the scene, its true mask, the predicted
// mask) in the colours of a legend.
#pragma once
#include <string>

#include "nabla/report/report.hpp"

namespace nabla::report {

// Evaluates the run's model on its test scenes (rebuilt from the config, as `nabla segment
// eval` does) and returns the path written (default RUN/report.html). IoError naming what RUN
// is instead when it is not a segmentation run folder.
std::string write_segment_report(const std::string& run_dir, const ReportOptions& options = {});

}  // namespace nabla::report
