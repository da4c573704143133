using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using S3AuditFlow.Core.Config;
using S3AuditFlow.Core.Input;
using S3AuditFlow.Core.Scanning;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Tests.Support;

namespace S3AuditFlow.Core.Tests.Scanning;

/// <summary>
/// A mutational fuzzer over every CloudTrail fixture (the reproducers of earlier crashes among them): type swaps per
/// field path, lone surrogates, invalid UTF-8, truncation, huge strings, deep nesting, 1e999, multi-member gzip. For a
/// fixed seed and a bounded time (S3AUDIT_FUZZ_SECONDS, 30 by default; the sequence is the same, only its length
/// varies), every mutant must scan without an exception, with exactly one verdict per value read, and never the
/// "could not evaluate" reason that means the evaluator threw.
/// </summary>
public class FuzzTests
{
    private const int Seed = 20261201;

    private static readonly ScanEngine Engine = new(AuditConfig.Create([],
        [new SensitivityRule(RuleKind.Keyword, "cardholder"), new SensitivityRule(RuleKind.Keyword, "secret"), new SensitivityRule(RuleKind.Prefix, "exports/")]));

    /// <summary>Every .json fixture: the public samples, the hand-written records and the reproducers.</summary>
    private static List<(string Name, byte[] Bytes)> Seeds() =>
        [.. Directory.EnumerateFiles(Fixtures.CloudTrailDir, "*.json", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal)
            .Select(f => (Path.GetRelativePath(Fixtures.CloudTrailDir, f), File.ReadAllBytes(f)))];

    [Fact]
    public void EveryFixtureScansWithOneVerdictPerValueAndNoEvaluatorFailure()
    {
        foreach (var (name, bytes) in Seeds())
            AssertScansCleanly(name, bytes);
    }

    [Fact]
    public void MutantsOfEveryFixtureScanWithOneVerdictPerValueAndNoEvaluatorFailure()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("S3AUDIT_FUZZ_SECONDS"), CultureInfo.InvariantCulture, out var s) ? s : 30;
        var random = new Random(Seed);
        var seeds = Seeds();
        var baseline = seeds.Select(seed => AssertScansCleanly(seed.Name, seed.Bytes)).ToList();
        var clock = Stopwatch.StartNew();
        var mutants = 0;
        // At least one round over every fixture, whatever the budget, so each is mutated on every run.
        while (mutants < seeds.Count || clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            var (name, bytes) = seeds[mutants % seeds.Count];
            var (what, mutant, keepsRecords) = Mutate(random, bytes);
            AssertScansCleanly($"{name} #{mutants} ({what})", mutant, keepsRecords ? baseline[mutants % seeds.Count] : null);
            mutants++;
        }
        Assert.True(mutants >= seeds.Count);
    }

    /// <returns>How many values were judged.</returns>
    private static int AssertScansCleanly(string what, byte[] bytes, int? expectedValues = null)
    {
        ScanResult result;
        try
        {
            result = Engine.Scan([new ScanInput("fuzz", () => new MemoryStream(bytes), bytes.Length)], new ScanOptions(KeepVerdicts: true, Parallelism: 1));
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: the scan threw {e}\ninput: {Preview(bytes)}");
            return 0;
        }
        var verdicts = result.Verdicts!;
        Assert.True(verdicts.Select(v => v.Ordinal).SequenceEqual(Enumerable.Range(1, verdicts.Count).Select(i => (long)i)),
            $"{what}: verdicts are not one per value read: ordinals {string.Join(",", verdicts.Select(v => v.Ordinal))}");
        Assert.Equal(verdicts.Count, result.Total);
        var failed = verdicts.FirstOrDefault(v => v.Reason.Contains("could not evaluate", StringComparison.Ordinal));
        Assert.True(failed is null, $"{what}: {failed?.Reason}\ninput: {Preview(bytes)}");
        if (expectedValues is { } expected)
            Assert.True(verdicts.Count == expected, $"{what}: {verdicts.Count} verdicts for {expected} records\ninput: {Preview(bytes)}");
        return verdicts.Count;
    }

    private static string Preview(byte[] bytes) => Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 400));

    private const string Marker = "@@fuzz-marker@@";

    /// <summary>
    /// One mutation of a fixture, named for the failure message; <c>KeepsRecords</c> when it is still valid JSON with the
    /// same records (a value inside a record changed), so exactly the fixture's number of verdicts must come out.
    /// </summary>
    private static (string What, byte[] Bytes, bool KeepsRecords) Mutate(Random random, byte[] original)
    {
        var kind = random.Next(6);
        if (kind == 0)
            return ("truncated", original[..random.Next(original.Length)], false);
        if (kind == 1)
            return ("multi-member gzip", TwoMemberGzip(original, random.Next(original.Length)), false);

        try
        {
            return MutateNode(random, kind, original);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or ArgumentException)
        {
            // The reproducers hold text JsonNode will not re-serialise: cut those instead.
            return ("truncated", original[..random.Next(original.Length)], false);
        }
    }

    private static (string What, byte[] Bytes, bool KeepsRecords) MutateNode(Random random, int kind, byte[] original)
    {
        var root = JsonNode.Parse(original)!;
        var paths = Paths(root, "$").ToList();
        var (path, node) = paths[random.Next(paths.Count)];
        var replacement = kind switch
        {
            2 => TypeSwaps[random.Next(TypeSwaps.Length)],
            3 => BrokenText(random, node),
            4 => Huge[random.Next(Huge.Length)],
            _ => Numbers[random.Next(Numbers.Length)],
        };
        if (node.Parent is null)
            return ($"root → {Describe(replacement)}", replacement, false);
        ReplaceWithMarker(node);
        var text = Encoding.UTF8.GetBytes(root.ToJsonString());
        // Past the reader's 64 levels a record is broken input (and the rest of a pretty-printed log file is skipped).
        var keepsRecords = path != "$.Records" && replacement.Length > 0 && replacement[0] is not ((byte)'[' or (byte)'{');
        return ($"{path} → {Describe(replacement)}", Splice(text, Encoding.UTF8.GetBytes($"\"{Marker}\""), replacement), keepsRecords);
    }

    private static readonly byte[][] TypeSwaps =
    [
        .. new[] { "null", "true", "false", "0", "-1.5", "\"\"", "\"None\"", "[]", "{}", "[{}]", "\"{\\\"a\\\": 1}\"", "\"{\"", "\"9999-12-31T23:59:59Z\"", "\"0001-01-01T00:00:00+14:00\"" }
            .Select(Encoding.UTF8.GetBytes),
    ];

    private static readonly byte[][] Numbers =
    [
        .. new[] { "1e999", "-1e999", "1e-999", "123456789012345678901234567890", "-0", "9223372036854775808", "\"1e999\"", "\"NaN\"", "\"-Infinity\"" }
            .Select(Encoding.UTF8.GetBytes),
    ];

    private static readonly byte[][] Huge =
    [
        Encoding.UTF8.GetBytes("\"" + new string('a', 1 << 20) + "\""),
        Encoding.UTF8.GetBytes("\"cardholder/" + string.Concat(Enumerable.Repeat("\\ud83d\\udcb3", 10_000)) + "\""),
        Encoding.UTF8.GetBytes(new string('[', 63) + new string(']', 63)),
        Encoding.UTF8.GetBytes(new string('[', 200) + new string(']', 200)),
        Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", 60)) + "1" + new string('}', 60)),
    ];

    /// <summary>The node's own text (or a short one) with a lone surrogate escape or invalid UTF-8 inside it.</summary>
    private static byte[] BrokenText(Random random, JsonNode node)
    {
        var text = node.GetValueKind() == System.Text.Json.JsonValueKind.String ? node.GetValue<string>() : "text";
        var at = random.Next(text.Length + 1);
        var escaped = System.Text.Json.JsonEncodedText.Encode(text[..at]).Value + "\u0001" + System.Text.Json.JsonEncodedText.Encode(text[at..]).Value;
        byte[][] breaks =
        [
            "\\ud800"u8.ToArray(), "\\udfff"u8.ToArray(), "\\udc00\\ud800"u8.ToArray(), "\\ud800\\u0041"u8.ToArray(),
            [0xFF], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82],
        ];
        var parts = Encoding.UTF8.GetBytes("\"" + escaped + "\"");
        return Splice(parts, [0x01], breaks[random.Next(breaks.Length)]);
    }

    private static string Describe(byte[] replacement) =>
        replacement.Length > 40 ? $"{replacement.Length} bytes" : Encoding.UTF8.GetString(replacement);

    /// <summary>Every node with its path; property names are paths too, mutated through their values.</summary>
    private static IEnumerable<(string Path, JsonNode Node)> Paths(JsonNode node, string path)
    {
        yield return (path, node);
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, child) in obj.ToList())
                {
                    if (child is not null)
                        foreach (var inner in Paths(child, $"{path}.{name}"))
                            yield return inner;
                }
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } child)
                        foreach (var inner in Paths(child, $"{path}[{i}]"))
                            yield return inner;
                }
                break;
        }
    }

    private static void ReplaceWithMarker(JsonNode node)
    {
        switch (node.Parent)
        {
            case JsonObject obj:
                obj[node.GetPropertyName()] = Marker;
                break;
            case JsonArray array:
                array[node.GetElementIndex()] = Marker;
                break;
        }
    }

    private static byte[] Splice(byte[] text, byte[] what, byte[] with)
    {
        var at = text.AsSpan().IndexOf(what);
        return at < 0 ? text : [.. text[..at], .. with, .. text[(at + what.Length)..]];
    }

    private static byte[] TwoMemberGzip(byte[] bytes, int split)
    {
        using var output = new MemoryStream();
        foreach (var part in new[] { bytes[..split], bytes[split..] })
        {
            using var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
            gzip.Write(part);
        }
        return output.ToArray();
    }
}
