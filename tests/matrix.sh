#!/usr/bin/env bash
# `make test-matrix`: the one built wheel, installed as a user installs it, on every Python and at the floors
# and ceilings of Django and django-ninja that pyproject claims. Each cell is a fresh virtualenv with no
# Rust toolchain on PATH; pip may install binary packages only, so nothing is compiled. An interpreter
# that is missing fails the run: a cell is never skipped.
#
# usage: tests/matrix.sh WHEEL ["PYTHON DJANGO NINJA" ...]   (the cells below unless cells are given)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
WHEEL=$(realpath "$1")
WORK=$REPO/target/matrix
# Python, Django, django-ninja. The floors are pyproject's (Django>=4.2, django-ninja>=1.5); the ceilings
# are the newest releases each Python can install (Django 6 needs Python 3.12; django-ninja 1.5.0 allows
# Django <6.0, so its newest Django is 5.2). Raise the ceilings here when new versions come out.
CELLS=(
    "3.10 4.2 1.5.0"
    "3.10 5.2.19 1.7.1"
    "3.11 5.2.19 1.7.1"
    "3.12 5.2.19 1.5.0"
    "3.13 6.1.3 1.7.1"
)
if (($# > 1)); then
    CELLS=("${@:2}")
fi
# The original distribution, for the switch scenario at the end.
ORIGINAL=django-ninja-simple-jwt==0.8.1

# What a user's shell has, less any Rust toolchain (~/.cargo/bin) and pyenv's shims.
CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

find_python() {
    local version=$1 root candidate
    root=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")}
    candidate=$(ls -d "$root/versions/$version".* 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -n $candidate && -x $candidate/bin/python ]]; then
        echo "$candidate/bin/python"
    elif command -v "python$version" >/dev/null; then
        command -v "python$version"
    else
        echo "Python $version is missing: pyenv has no $root/versions/$version.* and python$version is not on PATH." >&2
        echo "Install it (pyenv install $version) and run again; the matrix does not skip a Python." >&2
        return 1
    fi
}

# Runs a command in a cell's virtualenv with a clean environment.
in_venv() {
    local venv=$1
    shift
    env -i HOME="$HOME" LANG=C.UTF-8 PATH="$venv/bin:$CLEAN_PATH" VIRTUAL_ENV="$venv" \
        PIP_ONLY_BINARY=:all: PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 "$@"
}

# Check every interpreter first, so a missing one fails before anything is installed.
for cell in "${CELLS[@]}"; do
    read -r python_version _ <<<"$cell"
    find_python "$python_version" >/dev/null
done

rm -rf "$WORK"
mkdir -p "$WORK"
declare -a RESULTS=()
failed=0
for cell in "${CELLS[@]}"; do
    read -r python_version django ninja <<<"$cell"
    python=$(find_python "$python_version")
    name="py$python_version-django$django-ninja$ninja"
    venv=$WORK/$name
    log=$WORK/$name.log
    echo "=== $name ($python)"
    started=$SECONDS
    "$python" -m venv "$venv"
    if in_venv "$venv" sh -c 'command -v cargo || command -v rustc || command -v maturin'; then
        echo "a Rust toolchain or maturin is on the cell's PATH" >&2
        exit 1
    fi
    in_venv "$venv" python -m pip install -q "$WHEEL" "Django==$django" "django-ninja==$ninja" -r requirements-test.txt
    # The package must come from the wheel, not from the source tree.
    in_venv "$venv" python -c '
import sys
from importlib.metadata import version
import ninja_simple_jwt
from ninja_simple_jwt import _core
assert "site-packages" in _core.__file__ and _core.__file__.endswith(".abi3.so"), _core.__file__
print("Python", sys.version.split()[0], "Django", version("Django"), "django-ninja", version("django-ninja"),
      "ninja_simple_jwt", ninja_simple_jwt.__version__, "from", _core.__file__)'
    # The same three runs as `make test-python`: the suites, then the sessions suites on SQLite and on
    # PostgreSQL and Redis.
    status=0
    : >"$log"
    for suite in "" "tests/sessions --ds=tests.sessions.settings" "tests/sessions --ds=tests.sessions.settings_postgres"; do
        # shellcheck disable=SC2086 # $suite is words
        in_venv "$venv" python -m pytest -q -p no:cacheprovider -m "not system" $suite 2>&1 | tee -a "$log" || status=$?
    done
    totals=$(grep -E "(passed|failed|error).* in [0-9.]+s" "$log" | grep -Eo "[0-9]+ (passed|failed|errors?)" || true)
    summary="$(awk '$2 == "passed" {s += $1} END {print s + 0}' <<<"$totals") passed"
    summary+=", $(awk '$2 != "passed" {s += $1} END {print s + 0}' <<<"$totals") failed or errors"
    [[ $status == 0 ]] && verdict=pass || { verdict=FAIL; failed=1; }
    RESULTS+=("| $python_version | $django | $ninja | $verdict | $summary | $((SECONDS - started)) s |")
done

# Switching without uninstalling the original first: the system check must say so, and the README's
# remedy must leave a working install. In the last cell's virtualenv.
echo "=== the switch from the original"
manage() { in_venv "$venv" env PYTHONPATH="$REPO" python -m django "$@" --settings=tests.settings; }
in_venv "$venv" python -m pip uninstall -q -y django-ninja-simple-jwt-rs
in_venv "$venv" python -m pip install -q --no-deps "$ORIGINAL"
in_venv "$venv" python -m pip install -q --no-deps "$WHEEL"
if manage check >"$WORK/switch.log" 2>&1; then
    echo "both distributions installed, yet manage.py check passed:" >&2
    cat "$WORK/switch.log" >&2
    failed=1
elif ! grep -q "ninja_simple_jwt.E100" "$WORK/switch.log"; then
    echo "manage.py check failed without ninja_simple_jwt.E100:" >&2
    cat "$WORK/switch.log" >&2
    failed=1
else
    grep -A 3 "ninja_simple_jwt.E100" "$WORK/switch.log"
    in_venv "$venv" python -m pip uninstall -q -y django-ninja-simple-jwt django-ninja-simple-jwt-rs
    in_venv "$venv" python -m pip install -q --no-deps "$WHEEL"
    manage check
fi

echo
echo "| Python | Django | django-ninja | result | tests | time |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${RESULTS[@]}"
exit $failed
