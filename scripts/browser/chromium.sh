# shellcheck shell=bash
# ensure_chromium: make sure a chromium for Playwright is there, and set CHROMIUM
# to it. Source it after common.sh:
#   . "$ROOT/scripts/browser/chromium.sh"; ensure_chromium
#
# CHROMIUM=/path/to/chromium chooses one; else /usr/bin/chromium, which is
# installed from Debian's `chromium` package with apt-get when it is missing and
# the script runs as root (CI). Playwright's own browser download is not used:
# it is not reachable here. Without chromium and without a way to install it,
# this fails with a message: the browser stage is never skipped silently.

ensure_chromium() {
    CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
    if [ -x "$CHROMIUM" ]; then
        return 0
    fi
    if [ "$CHROMIUM" = /usr/bin/chromium ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "chromium not found: installing Debian's chromium with apt-get (a few minutes)"
        if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null &&
            [ -x "$CHROMIUM" ]; then
            ok "installed $("$CHROMIUM" --version 2>/dev/null | head -n 1)"
            export CHROMIUM
            return 0
        fi
        die "chromium is missing and \`apt-get install chromium\` failed: the browser test and the PDF handouts need it"
    fi
    die "chromium not found at $CHROMIUM, and it cannot be installed here (needs root and apt-get): install Debian's \`chromium\` package, or set CHROMIUM=/path/to/chromium"
}

# ensure_korean_font: the notebooks are in Korean; a machine without a Hangul
# font (a bare CI container) would draw boxes in the screenshots and the PDF
# handouts. As root with apt-get, installs Debian's fonts-nanum (about 20 MB)
# when fontconfig knows no Korean font; otherwise only warns.
ensure_korean_font() {
    if command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=ko family 2>/dev/null | head -n 1)" ]; then
        return 0
    fi
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        say "no Korean font: installing Debian's fonts-nanum with apt-get"
        if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-nanum >/dev/null; then
            ok "installed fonts-nanum"
            return 0
        fi
    fi
    warn "no Korean font found (install fonts-nanum or fonts-noto-cjk): Hangul will show as boxes in the decks' PDFs and the screenshots"
}
