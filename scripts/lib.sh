# Shared by scripts/serve and scripts/test: a local virtualenv kept in step with pyproject.toml,
# and the Debian packages the tests need.  Sourced, not run.

ensure_venv() {  # ensure_venv [extra]  -> .venv with the package (and the extra) installed
    local extra="${1:-}" py="${PYTHON:-python3}"
    if ! command -v "$py" >/dev/null 2>&1; then
        echo "error: $py not found; install Python 3.11 or newer" >&2; exit 1
    fi
    if ! "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "error: Python 3.11 or newer is needed ($("$py" --version 2>&1) found)" >&2; exit 1
    fi
    if [ ! -x .venv/bin/python ]; then
        echo "== creating .venv" >&2
        "$py" -m venv .venv || { echo "error: '$py -m venv' failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
    fi
    local want stamp=".venv/.installed${extra:+-$extra}"
    want="$(cat pyproject.toml | sha256sum | cut -c1-16)"
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        echo "== installing Python packages into .venv${extra:+ (with [$extra])}" >&2
        .venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extra:+[$extra]}"
        echo "$want" > "$stamp"
    fi
}

ensure_debian() {  # ensure_debian pkg...  -> installs missing Debian packages (as root), or says what is missing
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing Debian packages: ${missing[*]}" >&2
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "error: missing Debian packages: ${missing[*]}" >&2
        echo "       install them with: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
}

offer_debian() {  # offer_debian why pkg...  -> installs missing Debian packages (as root), else warns and goes on
    local why="$1" missing=() p
    shift
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== installing Debian packages ($why): ${missing[*]}" >&2
        apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
            || echo "warning: could not install ${missing[*]} ($why)" >&2
    elif command -v dpkg-query >/dev/null 2>&1; then
        echo "warning: $why needs: ${missing[*]}; install with: sudo apt-get install ${missing[*]}" >&2
    fi
}

ensure_axe() {  # ensure_axe  -> .cache/npm/node_modules/axe-core/axe.min.js (the accessibility checker the browser tests inject)
    [ -f .cache/npm/node_modules/axe-core/axe.min.js ] && return 0
    command -v npm >/dev/null 2>&1 || ensure_debian npm
    echo "== installing axe-core from the npm registry into .cache/npm" >&2
    mkdir -p .cache/npm
    npm install --prefix .cache/npm --no-audit --no-fund --silent axe-core@4 >/dev/null
}
