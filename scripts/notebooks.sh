#!/usr/bin/env bash
# Regenerates the committed notebooks' outputs in place: sets up the
# environment (scripts/lab.sh --no-launch), then executes every
# notebooks/*.ipynb top to bottom on a fresh kernel and writes it back
# (scripts/run_notebooks.py --inplace). Runs are seeded, so a rerun changes
# nothing but printed timings; a notebook that fails is left as it was.
#
#   bash scripts/notebooks.sh                                   # all notebooks
#   bash scripts/notebooks.sh notebooks/4.4-gradient.ipynb      # just these

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT"
use_shared_mnist
run_stage "notebook environment (scripts/lab.sh --no-launch)" bash scripts/lab.sh --no-launch --no-warm
run_stage "notebooks (scripts/run_notebooks.py --inplace)" "$PY" scripts/run_notebooks.py --inplace "$@"
print_stage_times
