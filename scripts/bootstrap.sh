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
    # uv fetches and unpacks the packages in parallel: on 2 CPUs with empty
    # caches it installed them in 5-10 s, pip in 30 s. pip remains the way in
    # where uv cannot be had or cannot reach the index (no wheel for this
    # platform, an index on the local disk alone): uv's own install is a fast
    # path and says nothing when it fails; pip's says why if it fails too.
    if ! { "$VENV/bin/python" -m pip install --quiet 'uv>=0.5' 2>/dev/null &&
        "$VENV/bin/python" -m uv pip install --quiet --python "$VENV/bin/python" -e "$ROOT[test]"; }; then
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        "$VENV/bin/python" -m pip install --quiet --no-compile -e "$ROOT[test]"
    fi
    # Neither installer compiled the packages to bytecode (pip was told not to:
    # it does so one file after another, half of its install's time);
    # compileall does it on every CPU. A file it cannot compile (a package's
    # Python 2 example, say) is skipped, as pip does.
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
