// Everything in nabla::data: datasets, the loader, transforms, splits, IDX and images.
#pragma once
#include "nabla/data/dataset.hpp"
#include "nabla/data/fashion_mnist.hpp"
#include "nabla/data/idx.hpp"
#include "nabla/data/image.hpp"
#include "nabla/data/loader.hpp"
#include "nabla/data/split.hpp"
#include "nabla/data/synthetic.hpp"
#include "nabla/data/transforms.hpp"
