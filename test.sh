#!/usr/bin/env bash
# Runs every test of the solution: the README's test command, and what .ci/run calls.
# It installs what the tests need on a fresh machine, builds, tests, and ends with one summary line
# "Tests: N passed, N failed, N skipped" summed over every test project.
set -euo pipefail
cd "$(dirname "$0")"

# Sums the TRX files in $1 into the line CI reads, after one line per reason tests were skipped (a tool this machine
# lacks, such as cfn-lint or the SAM translator, skips the checks that need it). A skipped test is a result with
# outcome NotExecuted: the TRX counters leave it out of notExecuted, so it is counted from the results.
summarize() {
  local dir=$1 passed=0 failed=0 skipped=0 trx counters
  get() { local n; n=$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"); echo "${n:-0}"; }
  for trx in "$dir"/*.trx; do
    [[ -f $trx ]] || continue
    counters=$(grep -o '<Counters [^>]*>' "$trx" || true)
    passed=$((passed + $(get passed)))
    failed=$((failed + $(get failed)))
    skipped=$((skipped + $(grep -c '<UnitTestResult [^>]*outcome="NotExecuted"' "$trx" || true)))
  done
  if ((skipped > 0)); then
    awk '/<UnitTestResult / { skip = /outcome="NotExecuted"/ }
         skip && /<Message>/ { sub(/.*<Message>/, ""); sub(/<\/Message>.*/, ""); print; skip = 0 }
         /<\/UnitTestResult>/ { skip = 0 }' "$dir"/*.trx |
      sed -e 's/&quot;/"/g' -e "s/&apos;/'/g" -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g' |
      sort | uniq -c | while read -r count reason; do echo "Skipped $count: $reason"; done
  fi
  echo "Tests: $passed passed, $failed failed, $skipped skipped"
  SUMMARY_PASSED=$passed
}

# ./test.sh --summarize DIR: only the summary of the TRX files in DIR (what the end of a run prints).
if [[ ${1:-} == --summarize ]]; then
  summarize "${2:?usage: test.sh --summarize DIR}"
  exit 0
fi

command -v dotnet >/dev/null || { echo "test.sh: the .NET 10 SDK (dotnet) is required" >&2; exit 2; }
command -v npm >/dev/null || { echo "test.sh: Node.js with npm is required (it installs the test servers)" >&2; exit 2; }

# The real servers the tests start (dynalite for DynamoDB, the Step Functions interpreter) and a Node 22 to run
# them, pinned by tests/node/package-lock.json. Reinstalled only when the lock file changed.
if ! cmp -s tests/node/package-lock.json tests/node/node_modules/.installed-from-lock 2>/dev/null; then
  npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
  cp tests/node/package-lock.json tests/node/node_modules/.installed-from-lock
fi

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

dotnet build S3AuditFlow.sln --configuration Release --nologo -v quiet

# One run per test project, each with its own TRX file, so the summary below counts every project exactly once.
status=0
for project in tests/*.Tests/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" --configuration Release --no-build \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" \
    -- RunConfiguration.TreatNoTestsAsError=true || status=$?
done

# Sum the TRX counters of every test project into the one line CI reads.
summarize "$results"
if ((status == 0 && SUMMARY_PASSED == 0)); then
  echo "test.sh: no test ran" >&2
  exit 1
fi
exit "$status"
