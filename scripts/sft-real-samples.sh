#!/usr/bin/env bash
# End-to-end run of the SFT stages on real records, without a GPU: plain and KeyChain samples from real
# HotpotQA / MuSiQue / 2WikiMQA records → rollouts from a simulated model (scripts/sim-model-server.mjs) over
# the OpenAI API on 127.0.0.1 → sft convert → sft filter → sft clean → sft validate → stats + report.
# Not part of the tests. Prints the counts of every step.
#
# Usage: scripts/sft-real-samples.sh SAMPLES_DIR [OUT_DIR]
#   SAMPLES_DIR holds hotpotqa/sample.json, musique/sample.jsonl and 2wikimqa/sample.json (any records in
#   those formats will do). OUT_DIR defaults to ./sft-real-run. Needs `npm run build` first.
set -euo pipefail

samples=${1:?usage: scripts/sft-real-samples.sh SAMPLES_DIR [OUT_DIR]}
out=${2:-sft-real-run}
root=$(cd "$(dirname "$0")/.." && pwd)
kcs=(node "$root/dist/cli/main.js")
port=${PORT:-18432}

rm -rf "$out"
mkdir -p "$out"
cd "$out"
data="hotpotqa=$samples/hotpotqa/sample.json,musique=$samples/musique/sample.jsonl"

echo "== 1. plain (50 per length) and KeyChain (10) samples"
"${kcs[@]}" plain --datasets "$data" --lengths 4096,8192 -n 50 --shuffle-qa --seed 42 -o plain -q
"${kcs[@]}" plain --datasets "2wikimqa=$samples/2wikimqa/sample.json" --lengths 4096 -n 12 --shuffle-qa --seed 42 \
  -o plain -q
"${kcs[@]}" keychain --datasets "$data" --lengths 4096 -n 10 --pre-samples 100 --shuffle-qa --seed 42 -o keychain -q
mapfile -t inputs < <(find plain keychain -name '*.jsonl' | sort)

echo "== 2. rollouts: 4 per record from the simulated model"
node "$root/scripts/sim-model-server.mjs" --port "$port" "${inputs[@]}" >server.log &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q listening server.log && break; sleep 0.1; done
for f in "${inputs[@]}"; do
  "${kcs[@]}" rollout -i "$f" -m sim-reasoner --base-url "http://127.0.0.1:$port/v1" --n 4 --concurrency 16 -o traj -q
done
mapfile -t rollouts < <(find traj -name '*.jsonl' | sort)

echo "== 3. sft convert"
"${kcs[@]}" sft convert "${rollouts[@]}" -o sft --by-dataset --model-tag sim-14b
echo "== 4. sft filter (best trajectory per question)"
"${kcs[@]}" sft filter $(find sft -name '*-swift.jsonl' | sort)
echo "== 5. sft clean (<think>…</think>answer, and --keep-boxed)"
"${kcs[@]}" sft clean "${rollouts[@]}" -o cleaned --by-dataset --model-tag sim-14b
"${kcs[@]}" sft clean "${rollouts[@]}" -o cleaned-boxed --by-dataset --model-tag sim-14b --keep-boxed
echo "== 6. sft validate"
"${kcs[@]}" sft validate $(find sft cleaned -name '*.jsonl' | sort)
echo "== 7. stats and report"
"${kcs[@]}" stats -q "${inputs[@]}" "${rollouts[@]}" $(find sft -name '*-filtered.jsonl' | sort)
"${kcs[@]}" report -q "${inputs[@]}" "${rollouts[@]}" $(find sft -name '*-filtered.jsonl' | sort) --out report.html
echo "wrote $out/report.html"
