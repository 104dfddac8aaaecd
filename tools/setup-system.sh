#!/bin/sh
# Install what pip cannot: a LaTeX engine with the packages and fonts the PDF needs, the
# Font Awesome icons of Quarto's callouts when Quarto is on PATH, and (with --tests) the
# PDF tools the tests read the PDF with.  Called by `make report`, `make draft`,
# `make test` and .ci/run.  Each missing piece is found by what it provides (a command,
# a LaTeX file, a font), so a TeX installation not made with apt counts too.  On Debian
# or Ubuntu, as root or where `sudo -n` works, the missing Debian packages are installed
# with apt-get; elsewhere this stops with the exact command to run.
#   tools/setup-system.sh [--tests]
set -eu

tests=0
[ "${1:-}" = "--tests" ] && tests=1
missing=""

need() { # need PACKAGE: add it once
    case " $missing " in *" $1 "*) ;; *) missing="$missing $1" ;; esac
}
has_file() { command -v kpsewhich >/dev/null 2>&1 && [ -n "$(kpsewhich "$1")" ]; }

command -v xelatex >/dev/null 2>&1 || need texlive-xetex
for f in fontspec.sty unicode-math.sty booktabs.sty; do
    has_file "$f" || need texlive-latex-recommended
done
for f in tcolorbox.sty fvextra.sty; do
    has_file "$f" || need texlive-latex-extra
done
has_file pzdr.tfm || need texlive-fonts-recommended
has_file lmodern.sty || need lmodern
fc-list 2>/dev/null | grep -q "DejaVu Sans Mono" || need fonts-dejavu-core
if command -v quarto >/dev/null 2>&1; then
    has_file fontawesome5.sty || need texlive-fonts-extra # Quarto's callout icons
    command -v rsvg-convert >/dev/null 2>&1 || need librsvg2-bin # Quarto's SVG images
fi
if [ "$tests" = 1 ]; then
    command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 ||
        need poppler-utils
fi

[ -z "$missing" ] && exit 0
command="apt-get install -y$missing"
if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: missing system packages (Debian names):$missing" >&2
    echo "setup: install their equivalents with your system's package manager." >&2
    exit 1
fi
if [ "$(id -u)" = 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
else
    echo "setup: missing system packages:$missing" >&2
    echo "setup: run this once, then the same make command again:" >&2
    echo "    sudo apt-get update && sudo $command" >&2
    exit 1
fi
echo "setup: installing$missing (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# shellcheck disable=SC2086  # $missing is a list of package names
$sudo apt-get install -y -q $missing
