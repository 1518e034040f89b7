# Sourced by scripts/run and scripts/test: make .venv and install the project into it.
# Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "atlas-registry needs Python >= 3.11 (found: $("$PYTHON" --version 2>&1))" >&2
    exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
if [ ! -f "$STAMP" ]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    # pip compiles every installed module to bytecode one file after another
    # (half of the install's time); compileall does the same on every CPU. A file
    # it cannot compile (a package's Python 2 example, say) is skipped, as pip does.
    "$VENV/bin/python" -m pip install --quiet --no-compile -e "$ROOT[test]"
    site_packages="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')"
    "$VENV/bin/python" -m compileall -q -j 0 "$site_packages" >/dev/null 2>&1 || true
    rm -f "$VENV"/.installed-*
    touch "$STAMP"
fi
# The package's own modules, compiled once: where Python is told not to write
# bytecode (PYTHONDONTWRITEBYTECODE, common in containers) every command would
# compile them again, about 0.08 s of each CLI start-up. Up-to-date files are skipped.
"$VENV/bin/python" -m compileall -q "$ROOT/src" >/dev/null
export PATH="$VENV/bin:$PATH"
