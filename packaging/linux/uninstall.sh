#!/bin/sh
# Remove Advisor Desktop as install.sh installed it for this user.
#
#   PREFIX/lib/advisor-desktop/uninstall.sh [--prefix DIR] [--quiet]   (default: ~/.local)
#
# Removes the files install.sh listed in PREFIX/lib/advisor-desktop/.installed and that
# folder itself, nothing else: the vault, settings and logs (~/.local/share/AdvisorDesktop
# and the like, or a --data-dir folder) stay, so a reinstall finds the notebook again.
set -eu

prefix="${HOME:?HOME is not set}/.local"
quiet=
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=${2:?--prefix needs a folder}; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        --quiet) quiet=1; shift ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        *) echo "uninstall.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$prefix" in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac
lib="$prefix/lib/advisor-desktop"
manifest="$lib/.installed"

if [ ! -f "$manifest" ]; then
    echo "uninstall.sh: no installation of Advisor Desktop in $prefix" >&2
    exit 1
fi
# Only paths under PREFIX are ever removed, whatever the list says.
while read -r path; do
    case "$path" in
        "$prefix"/*)
            rm -f "$path"
            case "$path" in  # an icon's apps/ and size folders, when it left them empty
                "$prefix"/share/icons/hicolor/*/apps/*)
                    rmdir "$(dirname "$path")" "$(dirname "$(dirname "$path")")" 2>/dev/null || true ;;
            esac ;;
        *) echo "uninstall.sh: skipping $path (outside $prefix)" >&2 ;;
    esac
done < "$manifest"
rm -rf "$lib"

command -v update-desktop-database >/dev/null 2>&1 \
    && update-desktop-database -q "$prefix/share/applications" 2>/dev/null || true
[ -n "$quiet" ] || echo "Advisor Desktop is uninstalled; your notebook (vault, settings, logs) is kept."
