#!/usr/bin/env bash
# Publication dates, measured with the shared scorer on the 941 real pages of
# ../shared/bench/dates (htmldate's evaluation pages with their gold dates): all pages, then the
# 200 mediacloud news pages. One extract, scored twice. ~2-3 min on this 2-core machine.
#   bash bench/dates.sh          (-v after it lists every miss)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared
set_dir="$shared/bench/dates"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# two pages of the set hold no article text: extract reports them and exits 1, the others are scored
python3 -m searchlib extract --format jsonl "$set_dir/html" > "$out" 2>/dev/null || true
score() {  # label, extra scorer args
  python3 "$shared/tools/date_eval.py" --gold "$set_dir/gold.jsonl" --predictions "$out" "${@:2}" | tail -n 1 | sed "s/^/$1 /"
}
if [ "${1:-}" = "-v" ]; then
  python3 "$shared/tools/date_eval.py" --gold "$set_dir/gold.jsonl" --predictions "$out" -v
fi
score "all       "
score "mediacloud" --set mediacloud
