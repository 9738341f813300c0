#!/usr/bin/env bash
# Build an offline install bundle: this project and every dependency as wheels, for a post
# with no internet. Run on a machine of the same OS/architecture/Python as the target.
#
#   packaging/build-wheelhouse.sh [OUT_DIR]          (default: dist/wheelhouse)
#
# On the target laptop (no network needed):
#   python3 -m venv advisor-env
#   advisor-env/bin/pip install --no-index --find-links WHEELHOUSE advisor-desktop
#   advisor-env/bin/advisor-desktop
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist/wheelhouse}"
mkdir -p "$out"
python3 -m pip wheel --wheel-dir "$out" .
( cd "$out" && sha256sum ./*.whl > SHA256SUMS )
echo "Wheelhouse written to $out (checksums in $out/SHA256SUMS)"
