using System.Text.RegularExpressions;
using S3AuditFlow.TestSupport;
using Xunit.Abstractions;

namespace S3AuditFlow.Functions.Tests;

/// <summary>The same executable published with Native AOT (what runs as bootstrap on provided.al2023): no trim or AOT warnings, and it serves the Runtime API.</summary>
[Collection(ArtifactBuildsCollection.Name)]
public sealed partial class AotPublishTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Native_AOT_publish_has_no_warnings_and_the_binary_answers_an_invocation()
    {
        using var scratch = new BuildScratch();
        var result = await ArtifactCommand.RunAsync(ArtifactCommand.Dotnet,
            ["publish", Path.Combine(RepoPaths.Root, "src", "S3AuditFlow.Functions"), "-r", "linux-x64", "-p:PublishAot=true", "-c", "Release", "-o", scratch.Path],
            TimeSpan.FromMinutes(10));
        output.WriteLine(result.ToString());
        Assert.True(result.ExitCode == 0, result.ToString());
        var warnings = result.Output.Split('\n').Where(line => Warning().IsMatch(line)).ToList();
        Assert.True(warnings.Count == 0, "AOT publish warnings:\n" + string.Join('\n', warnings));

        var binary = Path.Combine(scratch.Path, "S3AuditFlow.Functions");
        Assert.True(File.Exists(binary), $"no native binary in {scratch.Path}");
        Assert.False(File.Exists(binary + ".dll"), "expected a native binary, found an IL assembly");
        var magic = new byte[4];
        await using (var file = File.OpenRead(binary))
            await file.ReadExactlyAsync(magic);
        Assert.Equal("\u007fELF"u8.ToArray(), magic);

        var (reply, log) = await ArtifactInvocation.InvokeOnceAsync(binary, [], "ParseEvent", ArtifactEvent.Payload, TimeSpan.FromSeconds(30));
        output.WriteLine(reply.Body);
        output.WriteLine(log);
        ArtifactEvent.AssertParsed(reply, log);
    }

    // MSBuild and ILC print diagnostics as "…: warning CODE: …" (ILC: "Trim analysis warning IL2026", "AOT analysis warning IL3050").
    [GeneratedRegex(@"\bwarning\b")]
    private static partial Regex Warning();
}
