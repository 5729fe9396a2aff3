#!/usr/bin/env bash
# Container entry point of antinex-gateway. The cluster commands join the cluster as a client member, and the nodes
# connect back to it: bind it to the container's IP (not 127.0.0.1) unless --hostname is given.
set -euo pipefail
case "${1:-}" in
  train|predict|describe|forget|models|status|bench)
    if [[ " $* " != *" --hostname "* && " $* " != *" --local "* ]]; then
      set -- "$@" --hostname "${ANTINEX_GATEWAY_HOSTNAME:-$(hostname -i | awk '{print $1}')}"
    fi
    ;;
esac
exec dotnet /app/antinex-gateway.dll "$@"
