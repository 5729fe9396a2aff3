#!/usr/bin/env bash
# The test command (README "Quick start"). Installs what is missing (redis-server, openssl, chromium, NuGet packages), builds,
# and runs the whole test suite. Idempotent. Tests that need ../shared skip with a reason when it is absent. Arguments
# go to `dotnet test`, e.g. bash deploy/test.sh --filter "FullyQualifiedName~Http".
set -euo pipefail
cd "$(dirname "$0")/.."
source deploy/lib/prereqs.sh
ensure_dotnet
ensure_redis_server
ensure_openssl
ensure_chromium

dotnet restore AntiNex.Cluster.sln --nologo -v q
dotnet build AntiNex.Cluster.sln -c Release --no-restore --nologo -v q
# The training/ tools live outside the solution (their runs take hours): build them here so they cannot rot.
for project in training/*/*.csproj; do dotnet build "$project" -c Release --nologo -v q; done
# Code style and formatting (.editorconfig): fails when `dotnet format` would change a file.
dotnet format AntiNex.Cluster.sln --verify-no-changes --no-restore -v q
log=$(mktemp)
set +e
dotnet test AntiNex.Cluster.sln -c Release --no-build --nologo "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# One plain closing line for any reader: "tests: N passed, N failed, N skipped".
awk '/Failed: *[0-9]+, Passed: *[0-9]+, Skipped: *[0-9]+/ {
       for (i = 1; i <= NF; i++) { g=$i; gsub(/,/, "", g);
         if ($i=="Failed:") f+=$(i+1); if ($i=="Passed:") p+=$(i+1); if ($i=="Skipped:") s+=$(i+1) } }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$rc"
