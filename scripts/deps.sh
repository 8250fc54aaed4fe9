#!/bin/sh
# Install the Debian packages sanctrace builds and tests with, when missing.
# Runs as root through apt-get (CI and the demo machine are root); prints
# the command to run otherwise.
set -e
PKGS="build-essential pkg-config clang libclang-rt-14-dev bzip2 ca-certificates
 libicu-dev libxml2-dev libsqlite3-dev sqlite3 libmicrohttpd-dev libjansson-dev
 libcurl4-openssl-dev libssl-dev libpq-dev libcmocka-dev postgresql libyaml-dev
 bc wrk graphviz chromium nodejs npm python3 curl util-linux time libbz2-dev zlib1g-dev unicode-data"
missing=""
for p in $PKGS; do
  # nodejs/npm may come from the machine image rather than Debian's packages
  case $p in nodejs) command -v node >/dev/null 2>&1 && continue ;; npm) command -v npm >/dev/null 2>&1 && continue ;; esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "sanctrace: installing missing packages:$missing"
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "sanctrace: run as root: apt-get install -y$missing" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive
${SUDO:-} apt-get update -qq
${SUDO:-} apt-get install -y -qq --no-install-recommends $missing
