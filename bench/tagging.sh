#!/usr/bin/env bash
# Tag quality, measured with the shared scorer: the five seeds (acceptance targets) and the
# 40-article Wikinews development set in bench/tagging/dev (hand-annotated gold). ~10 s.
#   bash bench/tagging.sh
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared
run() {  # label, manifest, folder
  python3 "$shared/tools/tag_eval.py" --manifest "$2" --articles "$3" \
    --cmd "python3 -m searchlib extract --format jsonl {dir}" 2>/dev/null | tail -n 1 | sed "s/^/$1 /"
}
run "seeds" "$shared/seeds/manifest.jsonl" "$shared/seeds"
run "dev  " bench/tagging/dev/manifest.jsonl bench/tagging/dev
