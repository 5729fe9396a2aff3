# Sourced by deploy/cluster.sh and deploy/demo.sh (both set PID_DIR): the HTTP service's pid and port, kept in
# $PID_DIR/serve.pid and serve.port. A pid is trusted only while it is still the gateway's `serve`: a pid file can
# outlive a reboot, and its number may then belong to another program.
serve_pid() { # prints the live service's pid, nothing when there is none
  local pid cmdline
  pid=$(cat "$PID_DIR/serve.pid" 2>/dev/null) || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 0
  # The gateway itself; or the wrapper shell an older version of the scripts left in the file.
  case "$cmdline" in *"antinex-gateway.dll serve "*|*"cluster.sh gateway serve "*) echo "$pid" ;; esac
  return 0
}
serve_port() { cat "$PID_DIR/serve.port" 2>/dev/null || echo "${ANTINEX_HTTP_PORT:-8080}"; }
