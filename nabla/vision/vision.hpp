// nabla/vision: scenes for segmentation and detection, convolutionalization, heatmaps.
#pragma once
#include "nabla/vision/boxes.hpp"
#include "nabla/vision/convolutionalize.hpp"
#include "nabla/vision/heatmap.hpp"
#include "nabla/vision/overlay.hpp"
#include "nabla/vision/resize.hpp"
#include "nabla/vision/roi_align.hpp"
#include "nabla/vision/scene_files.hpp"
#include "nabla/vision/scenes.hpp"
