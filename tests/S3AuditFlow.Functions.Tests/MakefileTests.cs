using System.Collections.Concurrent;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using S3AuditFlow.TestSupport;
using Xunit.Abstractions;

namespace S3AuditFlow.Functions.Tests;

/// <summary>One `make build-&lt;Id&gt;` per function for the whole class, each into its own folder (sam build does the same).</summary>
public sealed class MakeBuilds : IDisposable
{
    private readonly BuildScratch _scratch = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<(string Dir, CommandResult Result)>>> _builds = new(StringComparer.Ordinal);

    internal string Scratch => _scratch.Path;

    /// <summary>`make build-ID`, for the template's architecture or, with <paramref name="rid"/>, another one.</summary>
    internal Task<(string Dir, CommandResult Result)> BuildAsync(string functionId, string? rid = null) =>
        _builds.GetOrAdd(rid is null ? functionId : $"{functionId}-{rid}", name => new Lazy<Task<(string, CommandResult)>>(() => RunAsync(functionId, rid, _scratch.Sub(name)))).Value;

    private static async Task<(string, CommandResult)> RunAsync(string functionId, string? rid, string dir)
    {
        List<string> arguments = [$"build-{functionId}", $"ARTIFACTS_DIR={dir}"];
        if (rid is not null)
            arguments.Add($"RID={rid}");
        var result = await ArtifactCommand.RunCheckedAsync("make", arguments, TimeSpan.FromMinutes(6));
        return (dir, result);
    }

    public void Dispose() => _scratch.Dispose();
}

/// <summary>The Makefile sam build runs (BuildMethod makefile): every function's target yields a runnable artifact, and `make package` a deployable template.</summary>
[Collection(ArtifactBuildsCollection.Name)]
public sealed partial class MakefileTests(MakeBuilds builds, ITestOutputHelper output) : IClassFixture<MakeBuilds>
{
    private const string Assembly = "S3AuditFlow.Functions";

    [Fact]
    public void Makefile_targets_and_architecture_match_the_template()
    {
        var makefile = File.ReadAllText(Path.Combine(RepoPaths.Root, "Makefile"));
        var template = TemplateDocument.Load();
        var functions = FunctionsLine().Match(makefile);
        Assert.True(functions.Success, "Makefile has no FUNCTIONS := line");
        Assert.Equal(template.AllFunctionIds.Order(StringComparer.Ordinal), functions.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

        var rid = RidLine().Match(makefile);
        Assert.True(rid.Success, "Makefile has no RID ?= line");
        foreach (var id in template.AllFunctionIds)
        {
            var architecture = (string?)template.EffectiveFunctionProperty(id, "Architectures")?[0] ?? "x86_64";
            Assert.Equal(architecture == "arm64" ? "linux-arm64" : "linux-x64", rid.Groups[1].Value);
        }
    }

    [Theory]
    [InlineData("ParseEventFunction")]
    [InlineData("CheckAllowlistFunction")]
    [InlineData("ClassifySensitivityFunction")]
    [InlineData("DeduplicateAlertFunction")]
    public async Task Make_build_target_publishes_a_framework_dependent_executable(string functionId)
    {
        var (dir, result) = await builds.BuildAsync(functionId);
        output.WriteLine($"make build-{functionId}: {result.Elapsed.TotalSeconds:F1} s");
        foreach (var file in new[] { $"{Assembly}.dll", $"{Assembly}.runtimeconfig.json", $"{Assembly}.deps.json" })
            Assert.True(File.Exists(Path.Combine(dir, file)), $"{file} missing from {dir}:\n{result}");
        // The managed dotnet10 runtime runs it: framework-dependent on .NET 10, not self-contained.
        var config = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dir, $"{Assembly}.runtimeconfig.json")))!["runtimeOptions"]!;
        var framework = config["framework"] ?? config["frameworks"]?[0];
        Assert.Equal("Microsoft.NETCore.App", (string?)framework?["name"]);
        Assert.StartsWith("10.", (string?)framework?["version"], StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "System.Private.CoreLib.dll")), "self-contained output");
        // Built for the architecture the template deploys it on.
        var architecture = (string?)TemplateDocument.Load().EffectiveFunctionProperty(functionId, "Architectures")?[0] ?? "x86_64";
        using var pe = new PEReader(File.OpenRead(Path.Combine(dir, $"{Assembly}.dll")));
        // ReadyToRun: precompiled code (a managed native header) beside the IL, so a cold start JITs less. A ReadyToRun
        // image for Linux records its machine XORed with 0x7B79 (the format's Linux marker), so it is read back that way.
        Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, $"{Assembly}.dll is not ReadyToRun");
        Assert.Equal(architecture == "arm64" ? Machine.Arm64 : Machine.Amd64, (Machine)((ushort)pe.PEHeaders.CoffHeader.Machine ^ 0x7B79));
    }

    [Fact]
    public async Task Make_built_artifact_answers_an_invocation_from_the_Lambda_Runtime_API()
    {
        // The deployed artifact targets arm64 and will not load into this x64 machine's dotnet; the same target
        // built for x64 (RID is the Makefile's one knob) proves what the target produces runs as a function.
        var (dir, _) = await builds.BuildAsync("ParseEventFunction", RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "linux-arm64" : "linux-x64");
        var (reply, log) = await ArtifactInvocation.InvokeOnceAsync(ArtifactCommand.Dotnet, [Path.Combine(dir, $"{Assembly}.dll")], "ParseEvent", ArtifactEvent.Payload, TimeSpan.FromSeconds(60));
        output.WriteLine(reply.Body);
        output.WriteLine(log);
        ArtifactEvent.AssertParsed(reply, log);
    }

    [Fact]
    public async Task Make_package_writes_a_template_pointing_at_the_published_functions()
    {
        var package = Path.Combine(builds.Scratch, "package");
        var result = await ArtifactCommand.RunCheckedAsync("make", ["package", $"PACKAGE_DIR={package}"], TimeSpan.FromMinutes(6));
        output.WriteLine($"make package: {result.Elapsed.TotalSeconds:F1} s");
        var packaged = TemplateDocument.Load(Path.Combine(package, "serverless.template"));
        // `aws cloudformation package` exports each function's own CodeUri and never reads Globals.
        Assert.Null(packaged.FunctionGlobals["CodeUri"]);
        foreach (var id in packaged.AllFunctionIds)
            Assert.Equal("functions", (string?)packaged.PropertiesOf(id)["CodeUri"]);
        Assert.True(File.Exists(Path.Combine(package, "functions", $"{Assembly}.dll")), $"no published function in {package}/functions:\n{result}");
        Assert.Equal(await File.ReadAllTextAsync(TemplateDocument.Load().AslPath), await File.ReadAllTextAsync(packaged.AslPath));
        Assert.True(File.Exists(Path.Combine(package, "statemachine", "sync-filters.asl.json")), "make package copies every state machine's definition");
        // Only CodeUri changes: the rest of the template is the repository's.
        var repo = TemplateDocument.Load();
        foreach (var properties in repo.AllFunctionIds.Select(repo.PropertiesOf).Append(repo.FunctionGlobals))
        {
            if ((string?)properties["CodeUri"] == ".")
                properties["CodeUri"] = "functions";
        }
        TemplateDocument.AssertJson(repo.Root, packaged.Root, "packaged template apart from CodeUri");
    }

    [Fact]
    public void The_functions_do_not_ship_the_CLIs_STS_client()
    {
        // Only the CLI asks STS who the caller is (Caller.cs); in the functions it would be dead weight in every
        // cold start's package. The deps.json built next to the functions' assembly lists what their package holds.
        var deps = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, $"{Assembly}.deps.json")))!;
        var libraries = deps["libraries"]!.AsObject().Select(l => l.Key).ToList();
        Assert.Contains(libraries, l => l.StartsWith("AWSSDK.DynamoDBv2/", StringComparison.Ordinal));
        Assert.DoesNotContain(libraries, l => l.StartsWith("AWSSDK.SecurityToken/", StringComparison.Ordinal));
    }

    [Fact]
    public void The_README_builds_in_source_with_a_SAM_CLI_that_knows_the_templates_runtime()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var start = readme.IndexOf("### With SAM CLI", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no 'With SAM CLI' section");
        var section = readme[start..readme.IndexOf("\n### ", start + 1, StringComparison.Ordinal)];

        // Without --build-in-source SAM copies the whole CodeUri (the repository, node_modules and all) per build.
        Assert.Contains("sam build --build-in-source", section, StringComparison.Ordinal);
        Assert.DoesNotContain("\nsam build &&", section, StringComparison.Ordinal);
        // The version stated is the first SAM CLI release that accepts the runtime (checked in its tags); a new
        // runtime needs it checked again.
        var template = TemplateDocument.Load();
        Assert.All(template.AllFunctionIds, id => Assert.Equal("dotnet10", (string?)template.EffectiveFunctionProperty(id, "Runtime")));
        Assert.Contains("SAM CLI 1.151.0 or later", section, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^FUNCTIONS\s*:?=\s*(.+)$", RegexOptions.Multiline)]
    private static partial Regex FunctionsLine();

    [GeneratedRegex(@"^RID\s*\?=\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex RidLine();
}

/// <summary>make and dotnet publish write the same obj/ and bin/ folders of src: the classes that run them take turns.</summary>
[CollectionDefinition(Name)]
public sealed class ArtifactBuildsCollection
{
    public const string Name = "Artifact builds";
}

/// <summary>The summary ./test.sh ends with (what CI reads), from the TRX files of a run.</summary>
public sealed class TestScriptSummaryTests : IDisposable
{
    private readonly BuildScratch _results = new();

    /// <summary>A TRX file as dotnet test writes it: the counters and one result per test.</summary>
    private void WriteTrx(string name, int passed, params (string Test, string Outcome, string? Message)[] results)
    {
        var lines = results.Select(r => $"""
                <UnitTestResult executionId="{Guid.NewGuid()}" testName="{r.Test}" outcome="{r.Outcome}">
                  {(r.Message is null ? "" : $"<Output>\n        <ErrorInfo>\n          <Message>{System.Security.SecurityElement.Escape(r.Message)}</Message>\n        </ErrorInfo>\n      </Output>")}
                </UnitTestResult>
            """);
        // A skipped (xunit Skip) test is NotExecuted in its result but counted nowhere among the counters.
        File.WriteAllText(_results.Sub(name + ".trx"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <TestRun>
              <Results>
            {string.Join('\n', lines)}
              </Results>
              <ResultSummary outcome="Completed">
                <Counters total="{results.Length}" executed="{passed}" passed="{passed}" failed="0" error="0" timeout="0" aborted="0" inconclusive="0" passedButRunAborted="0" notRunnable="0" notExecuted="0" disconnected="0" warning="0" completed="0" inProgress="0" pending="0" />
              </ResultSummary>
            </TestRun>
            """);
    }

    private async Task<string[]> SummarizeAsync()
    {
        var result = await ArtifactCommand.RunCheckedAsync("bash", [Path.Combine(RepoPaths.Root, "test.sh"), "--summarize", _results.Path], TimeSpan.FromMinutes(1));
        return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task Tests_skipped_for_a_missing_tool_are_counted_and_the_reason_is_named()
    {
        WriteTrx("S3AuditFlow.Functions.Tests", 2,
            ("TemplateTests.Schema", "Passed", null),
            ("TemplateTests.Cfn_lint_reports_nothing_for_the_template", "NotExecuted", CfnLint.SkipReason),
            ("TemplateTests.Cfn_lint_reports_a_broken_copy_of_the_template(change: \"pipe\")", "NotExecuted", CfnLint.SkipReason),
            ("TemplateTests.The_SAM_translator_expands_the_template", "NotExecuted", SamTranslator.SkipReason),
            ("LambdaLoopTests.Serves", "Passed", null));
        WriteTrx("S3AuditFlow.Core.Tests", 3, ("A", "Passed", null), ("B", "Passed", null), ("C", "Passed", null));

        var lines = await SummarizeAsync();

        Assert.Equal("Tests: 5 passed, 0 failed, 3 skipped", lines[^1]);
        Assert.Equal([$"Skipped 2: {CfnLint.SkipReason}", $"Skipped 1: {SamTranslator.SkipReason}"], lines[..^1]);
    }

    [Fact]
    public async Task A_run_without_skips_prints_only_the_counts()
    {
        WriteTrx("S3AuditFlow.Core.Tests", 2, ("A", "Passed", null), ("B", "Passed", null));

        Assert.Equal(["Tests: 2 passed, 0 failed, 0 skipped"], await SummarizeAsync());
    }

    public void Dispose() => _results.Dispose();
}
