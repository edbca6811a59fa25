#!/usr/bin/env bash
# Boilerplate removal, measured: the shared scorer over the DEV HTML pages, the DEV text scrapes
# and the seeds, then cleaning speed (pages/s, in process, both kinds). About 1 minute.
#   bash bench/extraction.sh            (needs ../shared beside the repo and searchlib installed)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared
score() {  # label, gold, pages
  python3 "$shared/tools/extraction_eval.py" --gold "$2" --pages "$3" \
    --cmd "python3 -m searchlib extract --format jsonl {dir}" --quiet 2>/dev/null | tail -n 1 | sed "s/^/$1 /"
}
score "dev-html " "$shared/bench/extraction/gold.jsonl" "$shared/bench/extraction/html"
score "dev-text " "$shared/bench/extraction/gold.jsonl" "$shared/bench/extraction/text"
score "seeds    " "$shared/seeds/extraction-gold.jsonl" "$shared/seeds"
grep -o '"cv_mean_f1":[0-9.]*' searchlib/derive/data/text_model.json | sed 's/"cv_mean_f1":/dev-text cross-validated (pages unseen in training) mean_f1=/'
python3 bench/cleaning_speed.py "$shared/bench/extraction"
