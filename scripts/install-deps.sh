#!/usr/bin/env bash
# Installs the Debian 12 packages cachescope needs to build, test and run, skipping those already
# present (so a second run costs a second). Needs root (or sudo). See README.md for what each is for.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  libboost-dev libboost-graph-dev libeigen3-dev
  qt6-base-dev qt6-charts-dev qt6-svg-dev libqt6opengl6-dev fonts-dejavu-core
  libspdlog-dev libfmt-dev catch2 libbenchmark-dev
  libcli11-dev nlohmann-json3-dev libyaml-cpp-dev libabsl-dev
  libzstd-dev zlib1g-dev libxxhash-dev zstd libssl-dev
  clang-format
  redis-tools libmemcached-tools curl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
