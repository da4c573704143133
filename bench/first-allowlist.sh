#!/usr/bin/env bash
# Writes the two weeks of history the README's "Tuning the first allowlist" walks through (the same generator and
# seed as the allowlist suggest tests: tests/S3AuditFlow.TestSupport/FirstAllowlistHistory.cs), then runs its first
# two commands with --config, so the figures can be checked: the first scan and the suggestions.
# Usage: bench/first-allowlist.sh [OUTPUT_DIR=bench/out/first-allowlist]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/out/first-allowlist}
dotnet run --project bench/S3AuditFlow.Bench -c Release -- --first-allowlist-history "$out"
s3audit=(dotnet run --project src/S3AuditFlow.Cli -c Release --)
"${s3audit[@]}" scan --config "$out/config.json" "$out/logs" --no-progress --details 0
"${s3audit[@]}" allowlist suggest --config "$out/config.json" "$out/logs" --no-progress --output "$out/suggested.json"
