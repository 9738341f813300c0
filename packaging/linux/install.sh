#!/bin/sh
# Install Advisor Desktop for this user only: no root, no network, no Python needed.
#
#   ./install.sh [--prefix DIR]        (default: ~/.local)
#
# Copies app/ to PREFIX/lib/advisor-desktop, links advisor-desktop, advisor and advisor-desk
# into PREFIX/bin, and adds the menu entry, the icons and the AppStream metainfo under
# PREFIX/share. Run it again to upgrade. PREFIX/lib/advisor-desktop/uninstall.sh removes
# exactly what this script installed (listed in PREFIX/lib/advisor-desktop/.installed);
# it never touches the vault, the settings or the logs.
set -eu

APP_ID=org.advisordesktop.AdvisorDesktop
PROGRAMS="advisor-desktop advisor advisor-desk"
here=$(cd "$(dirname "$0")" && pwd)
prefix="${HOME:?HOME is not set}/.local"
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=${2:?--prefix needs a folder}; shift 2 ;;
        --prefix=*) prefix=${1#--prefix=}; shift ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$prefix" in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac
[ -x "$here/app/advisor-desktop" ] || { echo "install.sh: $here/app is not a bundle" >&2; exit 1; }

lib="$prefix/lib/advisor-desktop"
bin="$prefix/bin"
share="$prefix/share"

# Refuse before changing anything when a program name is taken by something else.
for program in $PROGRAMS; do
    target="$bin/$program"
    if [ -e "$target" ] || [ -L "$target" ]; then
        case "$(readlink "$target" 2>/dev/null || true)" in
            "$lib/$program") ;;
            *) echo "install.sh: $target exists and is not ours; remove it first" >&2; exit 1 ;;
        esac
    fi
done

# An earlier version goes first, by its own list (an upgrade leaves no stale files).
if [ -x "$lib/uninstall.sh" ]; then
    "$lib/uninstall.sh" --prefix "$prefix" --quiet
fi

if [ -e "$lib" ]; then
    echo "install.sh: $lib exists but is no installation of ours; remove it first" >&2
    exit 1
fi
mkdir -p "$prefix/lib" "$bin" "$share/applications" "$share/metainfo"
staging="$prefix/lib/.advisor-desktop.new.$$"
rm -rf "$staging"
cp -R "$here/app" "$staging"
cp "$here/uninstall.sh" "$staging/uninstall.sh"
cp "$here/THIRD-PARTY-NOTICES.txt" "$staging/THIRD-PARTY-NOTICES.txt"
chmod 755 "$staging/uninstall.sh"
mv "$staging" "$lib"

manifest="$lib/.installed"
: > "$manifest"
for program in $PROGRAMS; do
    ln -sf "$lib/$program" "$bin/$program"
    echo "$bin/$program" >> "$manifest"
done

# The menu entry names the installed program by its full path: PREFIX/bin need not be on
# the PATH of the desktop session.
desktop="$share/applications/$APP_ID.desktop"
sed -e "s|^Exec=advisor-desktop|Exec=$lib/advisor-desktop|" \
    -e "s|^TryExec=advisor-desktop|TryExec=$lib/advisor-desktop|" \
    "$here/share/applications/$APP_ID.desktop" > "$desktop"
echo "$desktop" >> "$manifest"
cp "$here/share/metainfo/$APP_ID.metainfo.xml" "$share/metainfo/"
echo "$share/metainfo/$APP_ID.metainfo.xml" >> "$manifest"
(cd "$here/share" && find icons -type f) | while read -r icon; do
    mkdir -p "$share/$(dirname "$icon")"
    cp "$here/share/$icon" "$share/$icon"
    echo "$share/$icon" >> "$manifest"
done

# Caches of the desktop, where the tools exist; a missing tool only delays the menu entry.
command -v update-desktop-database >/dev/null 2>&1 \
    && update-desktop-database -q "$share/applications" 2>/dev/null || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$share/icons/hicolor/index.theme" ] \
    && gtk-update-icon-cache -q -t "$share/icons/hicolor" 2>/dev/null || true

echo "Advisor Desktop $(cat "$lib/_internal/advisor_desktop/VERSION") is installed in $lib."
case ":${PATH:-}:" in
    *":$bin:"*) echo "Start it from the menu, or with: advisor-desktop" ;;
    *) echo "Start it from the menu, or with: $bin/advisor-desktop ($bin is not on your PATH)" ;;
esac
echo "Uninstall with: $lib/uninstall.sh"
