#!/usr/bin/env bash
# A fixed matrix of commands whose outputs a refactor must keep byte for byte: demo, plain, keychain, verify,
# export, pipeline, merge, score, rollout (against the simulated model on 127.0.0.1), filter stage 1, reason,
# sft convert/filter/clean/validate, stats and report. Every output file lands in OUT_DIR; each command's
# exit code and its stdout/stderr (timings and temp paths masked) go to OUT_DIR/log/. Compare two runs with
#   diff -r before/ after/
# Not part of the tests. Needs `npm run build`.
#
# Usage: scripts/golden-run.sh OUT_DIR
set -uo pipefail

out=${1:?usage: scripts/golden-run.sh OUT_DIR}
root=$(cd "$(dirname "$0")/.." && pwd)
kcs=(node "$root/dist/cli/main.js")
port=${PORT:-18533}

rm -rf "$out"
mkdir -p "$out/log"
out=$(cd "$out" && pwd)
cd "$out"
export KEYCHAIN_SYNTH_CACHE="$out/.cache"

n=0
# run NAME CMD…: run a command, keep its exit code and its output with timings masked.
run() {
  local name=$1
  shift
  n=$((n + 1))
  local log
  log=$(printf 'log/%02d-%s' "$n" "$name")
  "$@" >"$log.out" 2>"$log.err"
  echo "$?" >"$log.code"
  sed -i -E -e 's/[0-9]+(\.[0-9]+)? ?(s|ms|k?tokens\/s|requests\/s|lines\/s|MB\/s)\b/<t>/g' \
    -e "s#$out#OUT#g" -e 's/[0-9]+ HTTP attempts/<n> HTTP attempts/g' "$log.out" "$log.err"
}

run demo "${kcs[@]}" demo -o demo --questions 400 -n 20 --lengths 4k,8k -q
world=demo/data/synthetic-world.jsonl

run plain "${kcs[@]}" plain -i "$world" --name world --lengths 4k,8k -n 30 --shuffle-qa -o plain -q
run plain-gauss-template "${kcs[@]}" plain -i "$world" --name gauss -L 6000 -n 20 --placement gaussian \
  --template "Context:\n{context}\n\nQ: {input}" --distract-questions 3 -o plain -q
run plain-collapse-approx "${kcs[@]}" plain -i "$world" --name collapse -L 4k -n 10 --remove-newline-tab \
  -t approx --chat-template none -o plain -q
run plain-system "${kcs[@]}" plain -i "$world" --name system -L 4k -n 10 --system-prompt qwen_orz_boxed \
  --chat-template qwen_orz_boxed -o plain -q
for i in 0 1; do
  run "plain-shard-$i" "${kcs[@]}" plain -i "$world" --name shard -L 4k -n 20 --shard "$i/2" -o plain -q
done
run keychain "${kcs[@]}" keychain -i "$world" --name world --lengths 4k,8k -n 20 --pre-samples 100 -o keychain -q
run keychain-repo-tree "${kcs[@]}" keychain -i "$world" --name tree -L 8k -n 10 --preset repo --topology tree:2 \
  --prompt-variant find-first --system-prompt qwen_orz_boxed -o keychain -q
run keychain-orz "${kcs[@]}" keychain -i "$world" --name orz -L 4k -n 10 --chat-template qwen_orz_boxed \
  --hops 3 --id-format hex:12 -o keychain -q

mapfile -t kc < <(find keychain -name '*.jsonl' | sort)
run verify-json "${kcs[@]}" verify "${kc[@]}" -t qwen3 --json -q
sed -i -E 's/"(ms|bytes)": [0-9.]+/"\1": 0/g' "log/$(printf '%02d' "$n")-verify-json.out"
run verify-none "${kcs[@]}" verify "${kc[@]}" -q

run export-kc "${kcs[@]}" export verl -i "${kc[2]}" -o export/kc --start-index 2 --end-index 12 --test-size 4 \
  --valid-size 3 --seed 7 --with-aliases
mapfile -t pl < <(find plain/world -name '*.jsonl' | sort)
run export-plain "${kcs[@]}" export verl -i "${pl[0]}" -o export/plain
run export-refused "${kcs[@]}" export verl -i "${kc[0]}" -o export/refused --system-prompt qwen_orz_boxed
run export-remeasure "${kcs[@]}" export verl -i "${kc[0]}" -o export/remeasure --system-prompt qwen_orz_boxed \
  --remeasure -t qwen3

cat >pipeline.yaml <<EOF
out: pipe
seed: 3
datasets: [{name: world, path: $world}]
lengths: [4k]
num_samples: 10
shuffle_qa: true
kinds:
  plain: {placement: "depth:50"}
  keychain: {hops: 3}
export:
  verl: {test_size: 2, valid_size: 2}
EOF
run pipeline "${kcs[@]}" pipeline --config pipeline.yaml -q
run pipeline-again "${kcs[@]}" pipeline --config pipeline.yaml -q
cat >pipeline-shard.yaml <<EOF
out: pipe-shard
datasets: [{name: world, path: $world}]
lengths: [4k]
num_samples: 10
kinds: {plain: {}}
EOF
for i in 0 1; do
  run "pipeline-shard-$i" "${kcs[@]}" pipeline --config pipeline-shard.yaml --shard "$i/2" -q
done
run merge "${kcs[@]}" merge pipe-shard

printf '%s\n' '{"text":"<think>x</think>\\boxed{Paris}","gold":["Paris"]}' \
  '{"text":"The answer is Rome.","answers":["rome"]}' '{"text":"\\boxed{the}","gold":["x"]}' >score-in.jsonl
run score "${kcs[@]}" score score-in.jsonl -o score-out.jsonl --compare

node "$root/scripts/sim-model-server.mjs" --port "$port" "${pl[@]}" "${kc[@]}" >server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q listening server.log && break; sleep 0.1; done
url="http://127.0.0.1:$port/v1"
run rollout-plain "${kcs[@]}" rollout -i "${pl[0]}" -m sim --base-url "$url" --n 3 --concurrency 4 -o traj -q
run rollout-kc "${kcs[@]}" rollout -i "${kc[0]}" -m org/sim --base-url "$url" --n 2 -o traj -q
run rollout-answer-is "${kcs[@]}" rollout -i "${pl[1]}" -m sim-ai --base-url "$url" --n 1 --prompt answer-is \
  --end-idx 5 -o traj -q
run filter-stage1 "${kcs[@]}" filter stage1 --input "$world" --format jsonl -m sim --base-url "$url" --n 4 \
  -o filter -q
run reason "${kcs[@]}" reason -i "${pl[0]}" -o reason.jsonl -m sim --base-url "$url" --template cot -q
kill $server 2>/dev/null
mapfile -t tr < <(find traj -name '*.jsonl' | sort)
run sft-convert "${kcs[@]}" sft convert "${tr[@]}" --out-dir sft --by-dataset
mapfile -t sw < <(find sft -name '*-swift.jsonl' | sort)
run sft-filter "${kcs[@]}" sft filter "${sw[@]}"
run sft-clean "${kcs[@]}" sft clean "${tr[@]}" --out-dir sft-clean --by-dataset --keep-boxed
mapfile -t sc < <(find sft-clean -name '*.jsonl' | sort)
run sft-validate "${kcs[@]}" sft validate "${sc[@]}"
run stats "${kcs[@]}" stats "${pl[@]}" "${kc[@]}" "${tr[@]}"
run report "${kcs[@]}" report "${pl[@]}" "${kc[@]}" "${tr[@]}" -o report.html

rm -rf .cache server.log
find . -name '*.partial.jsonl' -delete
# Manifests record timings and the cache folder: mask them.
find . -name 'manifest*.json' -exec python3 -c '
import json, sys
def mask(v, key=""):
    if isinstance(v, dict):
        return {k: (None if key == "timings_ms" else mask(x, k)) for k, x in v.items()}
    if isinstance(v, list):
        return [mask(x) for x in v]
    return "<masked>" if key in ("cacheDir", "started_at", "finished_at", "updated_at") else v
for p in sys.argv[1:]:
    with open(p) as f:
        data = json.load(f)
    with open(p, "w") as f:
        json.dump(mask(data), f, indent=2)
' {} +
echo "golden run: $n commands, outputs in $out"
