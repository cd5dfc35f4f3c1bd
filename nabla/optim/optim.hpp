// Everything in nabla::optim: optimizers, schedules, clipping, penalties.
#pragma once
#include "nabla/optim/adadelta.hpp"
#include "nabla/optim/adagrad.hpp"
#include "nabla/optim/adam.hpp"
#include "nabla/optim/clip.hpp"
#include "nabla/optim/functional.hpp"
#include "nabla/optim/nadam.hpp"
#include "nabla/optim/optimizer.hpp"
#include "nabla/optim/rmsprop.hpp"
#include "nabla/optim/schedule.hpp"
#include "nabla/optim/sgd.hpp"
