#!/usr/bin/env bash
# Installs everything gkcrawl needs on a fresh Debian machine, idempotently:
# Debian packages (chromium, CJK fonts, antiword and LibreOffice for legacy .doc, nginx for
# serving portals as real ones are served) and a virtualenv in .venv.
# With --test (make test), also pywb in its own virtualenv .venv-pywb (it pins old
# dependencies): the tests replay the crawled WARCs with it.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_TEST_TOOLS=0
[ "${1:-}" = "--test" ] && WITH_TEST_TOOLS=1

APT_PACKAGES="chromium fonts-noto-cjk antiword libreoffice-writer-nogui nginx-light"
# The tests also start a Redis on loopback (the crawl cluster's shared frontier).
TEST_APT_PACKAGES="redis-server"
PYWB_REQUIREMENT="pywb==2.10.0"
missing=""
wanted="$APT_PACKAGES"
[ "$WITH_TEST_TOOLS" = 1 ] && wanted="$wanted $TEST_APT_PACKAGES"
for p in $wanted; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "bootstrap: installing Debian packages:$missing" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
  case " $missing " in
    *" nginx-light "*)
      # gkcrawl starts its own nginx on loopback when it needs one; the distribution's service
      # (port 80), started by the package, is not wanted.
      if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true
      elif [ -x /etc/init.d/nginx ]; then
        $SUDO /etc/init.d/nginx stop >/dev/null 2>&1 || true
      fi ;;
  esac
  case " $missing " in
    *" redis-server "*)
      # The tests start their own redis-server on a free loopback port; the packaged service is not used.
      if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
      elif [ -x /etc/init.d/redis-server ]; then
        $SUDO /etc/init.d/redis-server stop >/dev/null 2>&1 || true
      fi ;;
  esac
fi

stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "bootstrap: building .venv" >&2
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test,ocr]'
  rm -f .venv/.installed-*
  touch "$stamp"
fi

if [ "$WITH_TEST_TOOLS" = 1 ]; then
  pywb_stamp=.venv-pywb/.installed-$(printf '%s %s' "$PYWB_REQUIREMENT" "$(python3 -V 2>&1)" | sha256sum | cut -c1-16)
  if [ ! -f "$pywb_stamp" ]; then
    echo "bootstrap: building .venv-pywb ($PYWB_REQUIREMENT, replay for the tests)" >&2
    [ -x .venv-pywb/bin/python ] || python3 -m venv .venv-pywb
    .venv-pywb/bin/python -m pip install -q --upgrade pip
    .venv-pywb/bin/python -m pip install -q "$PYWB_REQUIREMENT"
    rm -f .venv-pywb/.installed-*
    touch "$pywb_stamp"
  fi
fi
