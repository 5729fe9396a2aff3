#!/usr/bin/env bash
# Container entry point of antinex-gateway. The cluster commands join the cluster as a client member, and the nodes
# connect back to it, so it must bind the container's IP, not 127.0.0.1. Every cluster command's --hostname defaults to
# $ANTINEX_GATEWAY_HOSTNAME: set it to the container's address unless the environment (e.g. the pod IP) already has.
# Commands that do not join the cluster ignore it; a --hostname on the command line still wins.
set -euo pipefail
export ANTINEX_GATEWAY_HOSTNAME="${ANTINEX_GATEWAY_HOSTNAME:-$(hostname -i 2>/dev/null | awk '{print $1}')}"
exec dotnet /app/antinex-gateway.dll "$@"
