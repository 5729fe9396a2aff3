#!/usr/bin/env bash
# Container entry point of antinex-node: other members must reach this node at the address it advertises. When
# ANTINEX_PublicHostname is not set (docker compose --scale), advertise the container's own IP address.
set -euo pipefail
if [ -z "${ANTINEX_PublicHostname:-}" ]; then
  ANTINEX_PublicHostname="$(hostname -i | awk '{print $1}')"
  export ANTINEX_PublicHostname
fi
exec dotnet /app/antinex-node.dll "$@"
