#!/usr/bin/env bash
# Install the external tools the test suite needs, idempotently:
#   * Debian's Chromium at /usr/bin/chromium (driven by Playwright's Python API;
#     Playwright's own browser download is never used: `playwright install`
#     cannot work on this machine's closed network).
#   * The Nu Html Checker (vnu.jar) from the npm package `vnu-jar`, into
#     .tools/vnu inside the repo (git-ignored). Runs with the machine's `java`.
#   * axe-core (the accessibility checker pages are run through in Chromium), from
#     npm into .tools/axe.
# Fast when everything is already present: it only checks two paths.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VNU_PREFIX="$ROOT/.tools/vnu"
VNU_JAR="$VNU_PREFIX/node_modules/vnu-jar/build/dist/vnu.jar"
# Pinned so a new checker release cannot turn CI red on its own; bump on purpose.
VNU_VERSION="${VNU_VERSION:-26.9.27}"
AXE_PREFIX="$ROOT/.tools/axe"
AXE_JS="$AXE_PREFIX/node_modules/axe-core/axe.min.js"
AXE_VERSION="${AXE_VERSION:-4.10.3}"

# Run a command as root: directly if we are root, via sudo if available.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "install-test-tools: need root (or sudo) to run: $*" >&2
        return 1
    fi
}

if [ ! -x /usr/bin/chromium ]; then
    echo "install-test-tools: installing Debian chromium ..." >&2
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

if [ ! -f "$VNU_JAR" ]; then
    echo "install-test-tools: installing vnu-jar into .tools/vnu ..." >&2
    mkdir -p "$VNU_PREFIX"
    npm install --prefix "$VNU_PREFIX" --no-audit --no-fund --loglevel=error "vnu-jar@$VNU_VERSION" >&2
    if [ ! -f "$VNU_JAR" ]; then
        echo "install-test-tools: vnu.jar not found at $VNU_JAR after npm install" >&2
        exit 1
    fi
fi

if [ ! -f "$AXE_JS" ]; then
    echo "install-test-tools: installing axe-core into .tools/axe ..." >&2
    mkdir -p "$AXE_PREFIX"
    npm install --prefix "$AXE_PREFIX" --no-audit --no-fund --loglevel=error "axe-core@$AXE_VERSION" >&2
    if [ ! -f "$AXE_JS" ]; then
        echo "install-test-tools: axe.min.js not found at $AXE_JS after npm install" >&2
        exit 1
    fi
fi

for tool in java; do
    command -v "$tool" >/dev/null 2>&1 || {
        echo "install-test-tools: '$tool' is not on PATH" >&2
        exit 1
    }
done
