#!/usr/bin/env bash
# Sets up omni.cpp on Debian 12: installs every dependency from Debian's packages, builds the
# Release binary at build/bin/omni, then runs the main job (unless --no-run is given).
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(
  cmake ninja-build g++ pkg-config        # build
  nlohmann-json3-dev                      # JSON (safetensors headers, config.json)
  libpcre2-dev                            # pre-tokenizer regular expressions (BSD licence)
  libsndfile1-dev libsamplerate0-dev      # audio: decoding WAV/MP3/FLAC/Ogg (LGPL, linked dynamically), resampling (BSD)
  unicode-data                            # Unicode character database (tokenizer tables)
  libgtest-dev                            # unit tests
  clang libclang-rt-14-dev                # sanitizer and fuzzing build
  python3 python3-numpy python3-jinja2    # independent reference implementations
  clang-format                            # code style
  libboost-dev                            # HTTP server (Boost.Beast, header-only, Boost licence)
  libbenchmark-dev                        # kernel micro-benchmarks (bench/bench_matmul.cpp)
)

run_main_job=1
[ "${1:-}" = "--no-run" ] && run_main_job=0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup.sh: run as root or install sudo" >&2; exit 1; }
  SUDO="sudo"
fi
echo "== installing packages: ${PACKAGES[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >/dev/null

# Node.js runs the interoperability tests (llama.cpp through node-llama-cpp's prebuilt CPU build,
# and @huggingface/gguf); they need Node 20 or newer.
if ! command -v node >/dev/null; then
  $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
echo "== installing the interoperability test clients (npm)"
(cd tests/interop && npm install --ignore-scripts --omit=optional --no-audit --no-fund --no-save --loglevel=error)
echo "== installing the server test client (the official openai package, npm)"
(cd tests/server && npm install --ignore-scripts --omit=optional --no-audit --no-fund --no-save --loglevel=error)

echo "== building (Release) into build/"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build

if [ "$run_main_job" = 1 ]; then
  # The main job at this stage of the project: make a small random-weight model of real shape
  # and describe it.
  mkdir -p models
  echo "== omni model synth --arch qwen2 --preset tiny --type q4_k_m -o models/tiny-qwen2-q4_k_m.gguf"
  build/bin/omni model synth --arch qwen2 --preset tiny --type q4_k_m -o models/tiny-qwen2-q4_k_m.gguf
  echo "== omni model info models/tiny-qwen2-q4_k_m.gguf"
  build/bin/omni model info models/tiny-qwen2-q4_k_m.gguf
  build/bin/omni system
  echo "== omni serve -m models/tiny-qwen2-q4_k_m.gguf --port 8080   (Ctrl-C stops it)"
  echo "   try: curl http://127.0.0.1:8080/v1/chat/completions -d '{\"model\":\"tiny-qwen2-q4_k_m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":16}'"
  exec build/bin/omni serve -m models/tiny-qwen2-q4_k_m.gguf --port 8080
fi
