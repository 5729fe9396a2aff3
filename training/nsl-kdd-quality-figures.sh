#!/usr/bin/env bash
# Superseded by training/nsl-kdd-figures.sh (Release build, no jq, tree baselines on identical features, 5-class).
# Kept so older notes still work: usage was [REQUEST.json] [DATA_DIR].
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# Defaults from the repository, wherever this is called from; paths given here stay relative to the caller's folder.
exec bash "$here/nsl-kdd-figures.sh" "${1:-$here/nsl-kdd-binary-quality.json}" --data "${2:-$here/../../shared/datasets}" --skip-multiclass
