// Everything in nabla::train: the Trainer and its callbacks, checkpoints and run folders,
// configs -> models/optimizers, evaluation, cross-validation, ensembles, reports and demos.
#pragma once
#include "nabla/train/callbacks.hpp"
#include "nabla/train/checkpoint.hpp"
#include "nabla/train/cv.hpp"
#include "nabla/train/demo.hpp"
#include "nabla/train/ensemble.hpp"
#include "nabla/train/evaluate.hpp"
#include "nabla/train/experiment.hpp"
#include "nabla/train/model_config.hpp"
#include "nabla/train/report.hpp"
#include "nabla/train/run.hpp"
#include "nabla/train/trainer.hpp"
