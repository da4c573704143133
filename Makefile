# Builds the Lambda functions without Amazon.Lambda.Tools.
# `sam build` runs `make build-<LogicalId>` with ARTIFACTS_DIR set (Metadata: BuildMethod: makefile); every
# function is the same executable, told its step by S3AUDIT_STEP. `make package` prepares the same build for the
# plain `aws cloudformation package` / `deploy` path (see README).

FUNCTIONS := ParseEventFunction CheckAllowlistFunction ClassifySensitivityFunction DeduplicateAlertFunction CompileFiltersFunction
# arm64 as in serverless.template; framework-dependent, so the managed dotnet10 runtime runs it.
RID ?= linux-arm64
CONFIGURATION ?= Release
PACKAGE_DIR ?= build/package

.PHONY: $(addprefix build-,$(FUNCTIONS)) package cli-aot clean

# ReadyToRun: the app's and the AWS SDK's code arrives precompiled for RID, so a cold start JITs less (bench/coldstart.sh).
$(addprefix build-,$(FUNCTIONS)):
	dotnet publish src/S3AuditFlow.Functions/S3AuditFlow.Functions.csproj -c $(CONFIGURATION) -r $(RID) \
		--self-contained false -p:PublishReadyToRun=true -p:GenerateDocumentationFile=false -o "$(ARTIFACTS_DIR)"

# One published folder for all the functions and a template whose CodeUris point at it, for `aws cloudformation package`
# (which exports each function's own CodeUri, never Globals).
package:
	rm -rf "$(PACKAGE_DIR)"
	$(MAKE) build-ParseEventFunction ARTIFACTS_DIR="$(abspath $(PACKAGE_DIR))/functions"
	mkdir -p "$(PACKAGE_DIR)/statemachine"
	cp statemachine/*.asl.json "$(PACKAGE_DIR)/statemachine/"
	sed 's|"CodeUri": "\."|"CodeUri": "functions"|g' serverless.template > "$(PACKAGE_DIR)/serverless.template"

# s3audit as one native binary (Native AOT): no JIT warm-up, so a short scan runs at the steady rate, in a third of
# the memory (README, Performance). Needs clang and zlib headers (Debian: clang zlib1g-dev) on the build machine.
CLI_RID ?= linux-x64
CLI_DIR ?= build/cli
cli-aot:
	dotnet publish src/S3AuditFlow.Cli/S3AuditFlow.Cli.csproj -c $(CONFIGURATION) -r $(CLI_RID) -p:PublishAot=true -o "$(CLI_DIR)"

clean:
	rm -rf build .aws-sam
