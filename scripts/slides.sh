#!/usr/bin/env bash
# Builds a reveal.js slide deck and a PDF handout from each notebook's committed
# outputs (nothing is executed), for presenting a section in class, offline.
#
#   bash scripts/slides.sh [DIR] [NOTEBOOK...]     # default DIR: out/slides; default: notebooks/*.ipynb
#
# writes DIR/4.2-loss-functions.slides.html and DIR/4.2-loss-functions.pdf ...
# and DIR/assets/ (reveal.js, require.js, jQuery, MathJax: the decks load
# nothing from the network, so DIR can be copied to a USB stick and opened in a
# browser anywhere). Open a deck in a browser; Space/arrows step through it,
# S opens the speaker view, F full screen, Esc the overview.
#
# The slide of each cell is its metadata.slideshow.slide_type; cells without
# one get it from scripts/slideshow.py's rules (in the deck only: the notebooks
# are not changed).
#
# Needs .venv (bash scripts/lab.sh --no-launch), chromium (/usr/bin/chromium,
# or CHROMIUM=/path; installed with apt-get when missing and run as root), and
# npm the first time (npm ci of scripts/browser/package-lock.json).

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=browser/chromium.sh
. "$ROOT/scripts/browser/chromium.sh"

# The JavaScript the decks load (reveal.js, require.js, jQuery, MathJax) is
# pinned in scripts/browser/package.json and package-lock.json and installed
# with `npm ci` into .venv/slides-assets/node_modules (again only when the
# lockfile changes).
VENDOR="$VENV/slides-assets"

out="out/slides"
notebooks=()
for arg in "$@"; do
    case "$arg" in
    -h | --help)
        sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *.ipynb) notebooks+=("$arg") ;;
    *) out="$arg" ;;
    esac
done

cd "$ROOT" || exit 1
if ! { [ -x "$PY" ] && "$PY" -c 'import nbconvert, playwright, pypdf' 2>/dev/null; }; then
    die "no .venv with nbconvert, playwright and pypdf: run \`bash scripts/lab.sh --no-launch\` first"
fi

# npm_assets: `npm ci` of scripts/browser/package-lock.json into $VENDOR, once
# per lockfile (npm checks every package against the lockfile's SHA-512).
npm_assets() {
    local lock="$ROOT/scripts/browser/package-lock.json"
    if [ -f "$VENDOR/package-lock.json" ] && cmp -s "$lock" "$VENDOR/package-lock.json" &&
        [ -d "$VENDOR/node_modules" ]; then
        return 0
    fi
    command -v npm >/dev/null 2>&1 || install_npm
    say "installing the decks' JavaScript with npm ci (scripts/browser/package-lock.json)"
    rm -rf "$VENDOR"
    mkdir -p "$VENDOR"
    cp "$ROOT/scripts/browser/package.json" "$lock" "$VENDOR/"
    (cd "$VENDOR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) ||
        die "npm ci failed in $VENDOR (is the npm registry reachable?)"
}

install_npm() {
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "npm not found: installing Debian's npm with apt-get"
        if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }; then
            die "apt-get could not install npm"
        fi
    else
        die "npm not found: install Node.js and npm (e.g. apt-get install npm), then rerun"
    fi
}

ensure_chromium
ensure_korean_font
npm_assets

"$PY" scripts/slides.py --out "$out" --vendor "$VENDOR/node_modules" --chromium "$CHROMIUM" \
    ${notebooks[@]+"${notebooks[@]}"}
