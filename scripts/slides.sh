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
# npm the first time, to fetch the pinned JavaScript packages below from the
# npm registry into .venv/slides-assets/ (checked against their SHA-512).

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
. "$ROOT/scripts/browser/chromium.sh"

# Pinned JavaScript packages (npm name, version, SHA-512 of the tarball as npm's
# "integrity"). reveal.js 4.0.2 is the version nbconvert's template is made
# for; jQuery 2.2.4 stands in for nbconvert's default 2.0.3 (only the scrolling of tall slides uses it).
PACKAGES=(
    "reveal.js 4.0.2 sha512-LWZSUenufF1gpD7npxJ7KfoQQFKgc1D6XrLTFgKlwWNP1BQ74hT48KONFWMAw+8R/QUeaScCLCLrBVHDfFIEiw=="
    "requirejs 2.1.10 sha512-4JqdTihK3kOnT387LxCHuJZ/9QsKg2EIl7LmaW35PIyM4LwCI2jwyy4fy6pbY/ZZH2JoY/QEcb5PzULFPP6gcQ=="
    "mathjax 2.7.7 sha512-OOl0B2/0tSJAtAZarXnQuLDBLgTNRqiI9VqHTQzPsxf4okT2iIpDrvaklK9x2QEMD1sDj4yRn11Ygci41DxMAQ=="
    "jquery 2.2.4 sha512-lBHj60ezci2u1v2FqnZIraShGgEXq35qCzMv4lITyHGppTnA13rwR0MgwyNJh9TnDs3aXUvd1xjAotfraMHX/Q=="
)
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

cd "$ROOT"
[ -x "$PY" ] && "$PY" -c 'import nbconvert, playwright, pypdf' 2>/dev/null ||
    die "no .venv with nbconvert, playwright and pypdf: run \`bash scripts/lab.sh --no-launch\` first"

# fetch_package NAME VERSION INTEGRITY: unpack the npm tarball into
# $VENDOR/NAME-VERSION (once; a failed fetch leaves nothing behind).
fetch_package() {
    local name="$1" version="$2" integrity="$3" dest="$VENDOR/$1-$2" tmp tgz got
    [ -f "$dest/.complete" ] && return 0
    command -v npm >/dev/null 2>&1 || install_npm
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/dlfs-npm.XXXXXX")"
    say "fetching $name@$version from the npm registry"
    if ! (cd "$tmp" && npm pack --silent "$name@$version" >/dev/null); then
        rm -rf "$tmp"
        die "npm pack $name@$version failed (is the npm registry reachable?)"
    fi
    tgz="$(ls "$tmp"/*.tgz)"
    got="sha512-$("$PY" -c 'import base64, hashlib, sys; print(base64.b64encode(hashlib.sha512(open(sys.argv[1], "rb").read()).digest()).decode())' "$tgz")"
    if [ "$got" != "$integrity" ]; then
        rm -rf "$tmp"
        die "$name@$version from the registry has $got, expected $integrity"
    fi
    mkdir -p "$tmp/x"
    tar -xzf "$tgz" -C "$tmp/x"
    rm -rf "$dest"
    mkdir -p "$VENDOR"
    mv "$tmp/x/package" "$dest"
    rm -rf "$tmp"
    touch "$dest/.complete"
}

install_npm() {
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "npm not found: installing Debian's npm with apt-get"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null ||
            die "apt-get could not install npm"
    else
        die "npm not found: install Node.js and npm (e.g. apt-get install npm), then rerun"
    fi
}

ensure_chromium
ensure_korean_font
for spec in "${PACKAGES[@]}"; do
    # shellcheck disable=SC2086
    fetch_package $spec
done

"$PY" scripts/slides.py --out "$out" --vendor "$VENDOR" --chromium "$CHROMIUM" \
    ${notebooks[@]+"${notebooks[@]}"}
