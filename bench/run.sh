#!/usr/bin/env bash
# Benchmark of `s3audit scan` end to end: publishes the CLI in Release, writes a synthetic corpus of gzipped
# CloudTrail log files (same bytes every run), scans it three times and prints events/s and peak RSS per run.
# HARVEST_PERCENT > 0 makes that share of events one untrusted role harvesting the cardholder bucket from one
# address (the alert-heavy hard case: every such read is an alert candidate of one burst).
# Usage: bench/run.sh [FILES=200] [EVENTS_PER_FILE=5000] [HARVEST_PERCENT=0]
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-200}
per_file=${2:-5000}
harvest=${3:-0}
out=bench/out
corpus=$out/corpus-$files-$per_file-$harvest

dotnet publish src/S3AuditFlow.Cli -c Release -o "$out/s3audit" --nologo -v quiet >/dev/null
if [[ ! -d $corpus ]]; then
  dotnet run --project bench/S3AuditFlow.Bench -c Release -- "$corpus" "$files" "$per_file" "$harvest"
fi

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(dotnet --version)"
for run in 1 2 3; do
  "$out/s3audit/s3audit" scan --config "$corpus/config.json" --format jsonl --stats --no-progress "$corpus/logs" 2>&1 >/dev/null | grep '^stats:' | sed "s/^/run $run: /"
done
# What the harvest produced, once: alerts and harvest notifications (kind) in the jsonl output.
"$out/s3audit/s3audit" scan --config "$corpus/config.json" --format jsonl --no-progress "$corpus/logs" 2>/dev/null \
  | grep -o '"kind":"[a-z]*"' | sort | uniq -c | sed 's/^/output: /'
