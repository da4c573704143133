using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using S3AuditFlow.Aws;
using S3AuditFlow.Core.Filters;

namespace S3AuditFlow.Functions.Steps;

/// <summary>
/// Compile Filters: the rules in the config table → the EventBridge patterns and trail selectors the Sync Filters
/// state machine applies, exactly as `s3audit filters --format json` prints them.
/// </summary>
/// <param name="store">Read on every invocation, never cached: a sync exists to pick up the change that started it.</param>
public sealed class CompileFiltersStep(DynamoConfigStore store, IReadOnlyList<string> monitoredBuckets, IReadOnlyList<string> monitoredEvents, FilterOptions options) : IStep
{
    /// <inheritdoc />
    public string Name => "CompileFilters";

    /// <summary>
    /// The input is <c>{"applied": DIGEST}</c>: the digest of the filters this sync last applied ("" before the first).
    /// The output is <c>{readPattern, copyOutPattern, advancedEventSelectors, notes, digest, changed}</c>, the patterns
    /// as the JSON text PutRule takes (copyOutPattern null when no copy event is monitored); digest is a SHA-256 of the
    /// rest (the same rules always compile to the same text), and changed says whether it differs from the applied one.
    /// The state machine compiles again after applying and stops only when nothing changed: two syncs may overlap, and
    /// one that compiled before a rule change must not apply the older filters last.
    /// </summary>
    public async Task<byte[]> HandleAsync(byte[] payload, CancellationToken cancellationToken)
    {
        // An unreadable rule item is kept in UnusableRules and unfilters everything: the filters fail open, to more logging.
        var config = await store.LoadConfigAsync(cancellationToken).ConfigureAwait(false);
        var compiled = FilterCompiler.Compile(config, monitoredBuckets, monitoredEvents, options);
        foreach (var note in compiled.Notes)
            StepLog.Decision(Name, null, "note", note);
        StepLog.Decision(Name, null, "compiled", $"{FilterCompiler.RulesOf(config).Count} rule(s), {config.UnusableRules.Count} unusable, {monitoredBuckets.Count} bucket(s), {compiled.Notes.Count} note(s)");
        var document = new JsonObject
        {
            ["readPattern"] = compiled.ReadRule.ToJsonString(),
            ["copyOutPattern"] = compiled.CopyOutRule?.ToJsonString(),
            ["advancedEventSelectors"] = compiled.Trail.DeepClone(),
            ["notes"] = new JsonArray([.. compiled.Notes.Select(n => JsonValue.Create(n))]),
        };
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(document.ToJsonString())));
        document["digest"] = digest;
        document["changed"] = digest != Applied(payload);
        return Encoding.UTF8.GetBytes(document.ToJsonString());
    }

    /// <summary>The digest the input says was applied; none (so the filters are applied) when the input does not say.</summary>
    private static string? Applied(byte[] payload)
    {
        try
        {
            return JsonNode.Parse(payload) is JsonObject input && input["applied"] is JsonValue value && value.TryGetValue<string>(out var digest) ? digest : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
