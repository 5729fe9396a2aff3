#!/usr/bin/env bash
# Container entry point of antinex-gateway. The cluster commands join the cluster as a client member, and the nodes
# connect back to it: bind it to the container's IP (not 127.0.0.1) unless --hostname is given. Commands that do not
# join the cluster (train --local, bench engine, bench persistence, validate, generate, version) get nothing added.
set -euo pipefail
joins_cluster() {
  case "${1:-}" in
    train) [[ " $* " != *" --local "* ]] ;;
    predict|describe|forget|models|status|search|queue|interactive) return 0 ;;
    bench) [ "${2:-}" = cluster ] ;;
    *) return 1 ;;
  esac
}
if joins_cluster "$@" && [[ " $* " != *" --hostname "* && " $* " != *" --hostname="* ]]; then
  set -- "$@" --hostname "${ANTINEX_GATEWAY_HOSTNAME:-$(hostname -i | awk '{print $1}')}"
fi
exec dotnet /app/antinex-gateway.dll "$@"
