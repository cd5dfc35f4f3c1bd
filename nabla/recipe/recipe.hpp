// Everything in nabla::recipe: configs -> data, models, optimizers, losses and schedules; run
// folders; cross-validation and ensembles.
#pragma once
#include "nabla/recipe/cv.hpp"
#include "nabla/recipe/describe.hpp"
#include "nabla/recipe/ensemble.hpp"
#include "nabla/recipe/experiment.hpp"
#include "nabla/recipe/inits.hpp"
#include "nabla/recipe/layers.hpp"
#include "nabla/recipe/model_config.hpp"
#include "nabla/recipe/models.hpp"
#include "nabla/recipe/run.hpp"
#include "nabla/recipe/stats.hpp"
#include "nabla/recipe/summary.hpp"
