#!/usr/bin/env bash
# Refreshes everything made from the notebooks' sources (notebooks/src/*.md):
# sets up the environment (scripts/lab.sh --no-launch), then for each source
# builds the notebook (cell ids from the source, the first cell from
# notebooks/src/setup.evcxr, slide types by scripts/slideshow.py when it
# exists), executes it top to bottom on a fresh kernel and, if it passes,
# writes notebooks/NAME.ipynb with its outputs and the student copy
# notebooks/student/NAME.ipynb (no solution cells, no outputs)
# (scripts/run_notebooks.py --inplace). Runs are seeded, so a rerun changes
# nothing but printed timings; a notebook that fails is left as it was.
#
#   bash scripts/notebooks.sh                                   # all notebooks
#   bash scripts/notebooks.sh notebooks/4.4-gradient.ipynb      # just these

# shellcheck source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT" || exit 1
use_shared_mnist
run_stage "notebook environment (scripts/lab.sh --no-launch)" bash scripts/lab.sh --no-launch --no-warm
run_stage "notebook sources (scripts/notebook_source.py --check)" "$PY" scripts/notebook_source.py --check
run_stage "notebooks (scripts/run_notebooks.py --inplace)" "$PY" scripts/run_notebooks.py --inplace "$@"
print_stage_times
