#!/usr/bin/env bash
# Benchmark of `s3audit scan` end to end against the single-core `gzip -dc` of the same files, in the same run.
# Publishes the CLI in Release, writes a synthetic corpus of gzipped CloudTrail log files (5,000 events each, the
# same bytes on every machine), then three times: times `gzip -dc` of every file (one process, one core), then
# `s3audit scan --format jsonl --stats` (both cores). Prints per run the scan's events/s (wall clock of the whole
# process, start-up included, and inside the process), its peak RSS and alert candidates, gzip's events/s and the
# ratio scan / gzip.
# Corpora (bench/S3AuditFlow.Bench/CorpusWriter.cs): realistic (about 1 % of monitored reads alert candidates),
# alert-heavy (about 5 %, spread over seven days), harvest (20 % of events one burst copying a bucket).
# Usage: bench/run.sh [realistic|alert-heavy|harvest] [EVENTS=1000000]
# Extra scan options go in SCAN_OPTIONS, e.g. SCAN_OPTIONS="--memory 16". BUILD=aot benchmarks the Native AOT binary
# (make cli-aot) instead of the JIT build; S3AUDIT=PATH an already built s3audit.
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-realistic}
events=${2:-1000000}
per_file=5000
files=$(((events + per_file - 1) / per_file))
out=bench/out
corpus=$out/corpus-$kind-$files-$per_file
s3audit=${S3AUDIT:-$out/s3audit/s3audit}

if [[ -z ${S3AUDIT:-} && ${BUILD:-jit} == aot ]]; then
  make -s cli-aot CLI_DIR="$out/s3audit-aot" >/dev/null
  s3audit=$out/s3audit-aot/s3audit
elif [[ -z ${S3AUDIT:-} ]]; then
  dotnet publish src/S3AuditFlow.Cli -c Release -o "$out/s3audit" --nologo -v quiet >/dev/null
fi
if [[ ! -d $corpus ]]; then
  dotnet run --project bench/S3AuditFlow.Bench -c Release -- "$corpus" "$files" "$per_file" "$kind"
fi
total=$((files * per_file))

now() { date +%s.%N; }
rate() { awk -v n="$1" -v s="$2" -v e="$3" 'BEGIN { printf "%.0f", n / (e - s) }'; }

echo "build: ${S3AUDIT:-${BUILD:-jit}}; machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(dotnet --version); corpus $kind, $total events, $(du -sm "$corpus/logs" | cut -f1) MB gzipped"
for run in 1 2 3; do
  start=$(now)
  gzip -dc "$corpus"/logs/*.gz >/dev/null
  end=$(now)
  gzip_rate=$(rate "$total" "$start" "$end")

  start=$(now)
  # shellcheck disable=SC2086 # SCAN_OPTIONS is a list of words on purpose.
  stats=$("$s3audit" scan --config "$corpus/config.json" --format jsonl --stats --no-progress ${SCAN_OPTIONS:-} "$corpus/logs" 2>&1 >/dev/null | grep '^stats:')
  end=$(now)
  scan_rate=$(rate "$total" "$start" "$end")

  inside=$(sed -n 's/.* = \([0-9]*\) events\/s.*/\1/p' <<<"$stats")
  rss=$(sed -n 's/.*peak RSS \([0-9.]* MB\).*/\1/p' <<<"$stats")
  candidates=$(sed -n 's/.*; candidates \([^;]*\);.*/\1/p' <<<"$stats")
  spilled=$(sed -n 's/.*; spilled \([0-9]*\) candidates.*/\1/p' <<<"$stats")
  ratio=$(awk -v a="$scan_rate" -v b="$gzip_rate" 'BEGIN { printf "%.2f", a / b }')
  echo "run $run: scan $scan_rate events/s (in-process $inside), peak RSS $rss, candidates $candidates, spilled $spilled; gzip -dc $gzip_rate events/s; scan/gzip $ratio"
done
# What the corpus produced, once: alerts and harvest notifications (kind) in the jsonl output.
"$s3audit" scan --config "$corpus/config.json" --format jsonl --no-progress "$corpus/logs" 2>/dev/null \
  | grep -o '"kind":"[a-z]*"' | sort | uniq -c | sed 's/^/output: /'
