// Everything in nabla::train: the Trainer, its callbacks, checkpoints, metrics.csv and evaluation.
#pragma once
#include "nabla/train/callbacks.hpp"
#include "nabla/train/checkpoint.hpp"
#include "nabla/train/evaluate.hpp"
#include "nabla/train/metrics_csv.hpp"
#include "nabla/train/trainer.hpp"
