using System.Text;
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
    /// The input (a Pipe batch or a scheduled event) only says that something may have changed; the output is
    /// <c>{readPattern, copyOutPattern, advancedEventSelectors, notes}</c>, the patterns as the JSON text PutRule takes
    /// (copyOutPattern null when no copy event is monitored).
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
        return Encoding.UTF8.GetBytes(document.ToJsonString());
    }
}
