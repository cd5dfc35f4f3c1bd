#!/usr/bin/env bash
# One entry point for setting up, building, testing and running nabla on Debian 12.
#   ./nabla.sh test        install packages, configure, build, run every test (what CI runs)
#   ./nabla.sh train       install packages, build, train configs/default.toml, write the report
#   ./nabla.sh asan        the test suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   ./nabla.sh fuzz [S]    build the libFuzzer targets with clang and run each for S seconds
#   ./nabla.sh bench       Google Benchmark + the side-by-side comparison with PyTorch
#   ./nabla.sh setup       only install the Debian packages
# NABLA_CMAKE_ARGS adds CMake options to every build (CI's asan build: -DNABLA_NATIVE=OFF).
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(build-essential cmake ninja-build ccache pkg-config
  libopenblas-openmp-dev libdnnl-dev ocl-icd-opencl-dev zlib1g-dev libstb-dev libtomlplusplus-dev
  nlohmann-json3-dev libcli11-dev libonnx-dev libprotobuf-dev protobuf-compiler
  libgtest-dev googletest libbenchmark-dev
  dataset-fashion-mnist libonnx-testdata gnuplot-nox chromium clang clang-format libclang-rt-14-dev python3 python3-onnx)
BENCH_PACKAGES=(python3-torch)

jobs=$(nproc 2>/dev/null || echo 2)

install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "nabla.sh: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

configure_build() {  # dir, extra cmake args...
  local dir=$1; shift
  # shellcheck disable=SC2086  # NABLA_CMAKE_ARGS is a list of options
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" ${NABLA_CMAKE_ARGS:-}
  cmake --build "$dir" -j "$jobs"
}

cmd=${1:-test}
shift || true
case "$cmd" in
  setup)
    install_packages "${PACKAGES[@]}" ;;
  test)
    install_packages "${PACKAGES[@]}"
    configure_build build -DNABLA_BUILD_BENCH=ON
    python3 scripts/check_layers.py
    python3 scripts/check_concepts.py  # every file docs/CONCEPTS.md names still exists
    bash scripts/check_format.sh       # .clang-format, checked
    python3 scripts/check_function_length.py  # no function over 80 lines in nabla/ and apps/
    # OpenBLAS and our OpenMP share one pool; 2 threads on this machine
    (cd build && OMP_NUM_THREADS=$jobs OMP_WAIT_POLICY=passive ctest --output-on-failure -j 1 --timeout 600) ;;
  asan)
    install_packages "${PACKAGES[@]}"
    # -O1 -g1: ASan's own advice for speed with usable stack traces; compiling the instrumented
    # tree at -O2 -g took most of CI's time (the tests themselves run in about a minute)
    configure_build build-asan -DNABLA_SANITIZE=ON -DNABLA_BUILD_BENCH=OFF -DNABLA_BUILD_EXAMPLES=OFF \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
    (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
      ctest --output-on-failure --timeout 900 -E "${ASAN_EXCLUDE:-Chromium}") ;;
  fuzz)
    install_packages "${PACKAGES[@]}"
    bash fuzz/run.sh "${1:-30}" ;;
  train)
    install_packages "${PACKAGES[@]}"
    configure_build build -DNABLA_BUILD_BENCH=OFF -DNABLA_BUILD_TESTS=OFF
    out=${NABLA_RUN:-runs/default}
    ./build/apps/nabla/nabla train configs/default.toml --out "$out" "$@"
    ./build/apps/nabla/nabla report "$out"
    echo "report: $out/report.html" ;;
  bench)
    install_packages "${PACKAGES[@]}" "${BENCH_PACKAGES[@]}"
    configure_build build -DNABLA_BUILD_BENCH=ON
    bash bench/compare_conv.sh ;;
  *)
    echo "usage: ./nabla.sh [test|train|asan|fuzz [SECONDS]|bench|setup]" >&2
    exit 2 ;;
esac
