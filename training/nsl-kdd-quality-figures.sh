#!/usr/bin/env bash
# Superseded by training/nsl-kdd-figures.sh (Release build, no jq, tree baselines on identical features, 5-class).
# Kept so older notes still work: usage was [REQUEST.json] [DATA_DIR].
set -euo pipefail
here=$(dirname "$0")
exec bash "$here/nsl-kdd-figures.sh" "${1:-training/nsl-kdd-binary-quality.json}" --data "${2:-../shared/datasets}" --skip-multiclass
