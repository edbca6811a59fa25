#!/usr/bin/env bash
# Speed benchmark (issue 7): searchlib end to end vs naive Whoosh, SQLite FTS5 and ripgrep, side by side.
# Builds the Wikinews corpus as files at each size under bench/out/ (reused by later runs), then
# measures indexing (docs/s, peak RSS, size, unchanged re-index), 200 warm faceted queries (p50/p95),
# fresh `search` processes vs ripgrep and `search --batch`. Prints a table, then the ratio lines of
# the issue's targets (largest size last); writes bench/out/results-<timestamp>.json.
#
#   bash bench/run.sh                      # N = 10k and 50k: about 25 min on an idle 2-core machine
#                                          # (37 min measured while other jobs kept the load at 4-7)
#   bash bench/run.sh --sizes 2000         # quick check, about 1-2 min
#   bash bench/run.sh --full               # adds N = 100k (about +25 min)
#   bash bench/run.sh --install-rg         # apt-get install ripgrep first if rg is missing
#   bash bench/run.sh --profile            # adds a cProfile of `searchlib index` on 2,000 docs
#   python3 bench/perf.py --help           # all options (--passes, --build-repeats, --jobs, --out ...)
#
# Needs ../shared/data/news beside the repo, searchlib installed (pip install -e .), /usr/bin/time
# (optional: peak RSS of the largest process) and rg (optional).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/perf.py "$@"
