#!/usr/bin/env bash
# Container entry point of antinex-node: other members must reach this node at the address it advertises. When
# ANTINEX_PublicHostname is not set (docker compose --scale), advertise the container's own IP address. Akka.Remote
# and the health endpoint bind to the container's IP (ANTINEX_Hostname), not to every interface.
set -euo pipefail
if [ -z "${ANTINEX_Hostname:-}" ]; then
  ANTINEX_Hostname="$(hostname -i | awk '{print $1}')"
  export ANTINEX_Hostname
fi
if [ -z "${ANTINEX_PublicHostname:-}" ]; then
  ANTINEX_PublicHostname="$(hostname -i | awk '{print $1}')"
  export ANTINEX_PublicHostname
fi
exec dotnet /app/antinex-node.dll "$@"
