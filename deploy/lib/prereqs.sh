# Shared helpers for deploy/*.sh: install what a fresh Debian/Ubuntu machine lacks, only when it lacks it.
ensure_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    echo "The .NET 10 SDK is required (https://dot.net); 'dotnet' is not on PATH." >&2
    exit 1
  fi
}

ensure_redis_server() {
  if command -v redis-server >/dev/null 2>&1; then return 0; fi
  echo "redis-server not found: installing it from apt..." >&2
  local sudo=""
  if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
  # On a machine with systemd the package starts and enables its own Redis on 6379, with no password. The project runs
  # its own instances (password, ACL), so the service this install brought is stopped and disabled: nothing open left.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled redis-server >/dev/null 2>&1; then
    $sudo systemctl disable --now redis-server >/dev/null 2>&1 \
      && echo "stopped and disabled the redis-server system service apt started (no password; unused here)" >&2 || true
  fi
}

# Certificates, the Redis password and key files are made with openssl (present on most machines, not on minimal images).
ensure_openssl() {
  if command -v openssl >/dev/null 2>&1; then return 0; fi
  echo "openssl not found: installing it from apt (cluster certificates and secrets)..." >&2
  apt_install openssl
}

# The dashboard's browser tests drive Debian's headless Chromium (Playwright is pointed at /usr/bin/chromium: no browser
# download). Without it those tests skip with the reason, so a failed install is reported, not fatal.
ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "no /usr/bin/chromium and no apt-get: the browser tests will skip" >&2
    return 0
  fi
  echo "chromium not found: installing it from apt (for the dashboard's browser tests)..." >&2
  apt_install chromium || echo "could not install chromium: the browser tests will skip" >&2
}

# apt-get install PACKAGE... (apt-get update once per shell; sudo when not root).
_antinex_apt_updated=""
apt_install() {
  local sudo=""
  if [ "$(id -u)" != "0" ]; then sudo="sudo"; fi
  if [ -z "$_antinex_apt_updated" ]; then $sudo apt-get update -qq; _antinex_apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# Plots (ScottPlot/SkiaSharp, headless) draw their text with a system TrueType font; minimal images ship none.
ensure_fonts() {
  if find /usr/share/fonts /usr/local/share/fonts -name '*.ttf' -print -quit 2>/dev/null | grep -q .; then return 0; fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "no TrueType font found: plots will have no text (install a font package such as DejaVu)" >&2
    return 0
  fi
  echo "no TrueType font found: installing fonts-dejavu-core from apt (for plot labels)..." >&2
  apt_install fonts-dejavu-core || echo "could not install fonts-dejavu-core: plots will have no text" >&2
}
