using System.Text.Json.Nodes;

namespace S3AuditFlow.Core.Tests.Filters;

/// <summary>What a trail's advanced selectors see of one event: its fields and its resources (type and ARN).</summary>
internal sealed record TrailEvent(string EventCategory, string EventName, IReadOnlyList<(string Type, string Arn)> Resources, bool ReadOnly = true)
{
    /// <summary>A data event on S3 objects, as CloudTrail records a GetObject (one object) or a copy (source and destination).</summary>
    public static TrailEvent S3(string eventName, params string[] objectArns) =>
        new("Data", eventName, [.. objectArns.Select(a => ("AWS::S3::Object", a))]);

    /// <summary>The event a record describes: its eventCategory, eventName, readOnly and resources.</summary>
    public static TrailEvent Of(JsonObject record) =>
        new(record["eventCategory"]!.GetValue<string>(), record["eventName"]!.GetValue<string>(),
            [.. record["resources"]!.AsArray().Select(r => (r!["type"]!.GetValue<string>(), r["ARN"]!.GetValue<string>()))],
            record["readOnly"]?.GetValue<bool>() ?? true);
}

/// <summary>
/// CloudTrail's advanced event selectors, written from its documentation
/// (https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html,
/// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/filtering-data-events.html): "if the event matches any
/// event selector, the trail processes and logs the event"; a selector matches when every field selector does; within
/// a field selector each operator's values are alternatives — Equals/StartsWith/EndsWith need one of theirs to hold,
/// NotEquals/NotStartsWith/NotEndsWith exclude the event when one of theirs holds — and its operators all apply.
/// The resources.* fields are tested on one resource of the event: the same resource must satisfy all of them.
/// </summary>
internal static class SelectorMatcher
{
    private static readonly HashSet<string> Operators = ["Equals", "StartsWith", "EndsWith", "NotEquals", "NotStartsWith", "NotEndsWith"];

    public static bool Logs(JsonArray selectors, TrailEvent @event) => selectors.Any(s => Matches(s!.AsObject(), @event));

    private static bool Matches(JsonObject selector, TrailEvent @event)
    {
        var fields = selector["FieldSelectors"]!.AsArray().Select(f => f!.AsObject()).ToList();
        var resourceFields = fields.Where(f => Field(f).StartsWith("resources.", StringComparison.Ordinal)).ToList();
        var eventFields = fields.Except(resourceFields);
        return eventFields.All(f => Holds(f, EventValue(@event, Field(f))))
            && (resourceFields.Count == 0 || @event.Resources.Any(r => resourceFields.All(f => Holds(f, Field(f) == "resources.type" ? r.Type : r.Arn))));
    }

    private static string Field(JsonObject fieldSelector) => fieldSelector["Field"]!.GetValue<string>();

    private static string EventValue(TrailEvent @event, string field) => field switch
    {
        "eventCategory" => @event.EventCategory,
        "eventName" => @event.EventName,
        "readOnly" => @event.ReadOnly ? "true" : "false",
        _ => throw new NotSupportedException($"field {field}"),
    };

    private static bool Holds(JsonObject fieldSelector, string value)
    {
        foreach (var (name, values) in fieldSelector.Where(p => p.Key != "Field"))
        {
            if (!Operators.Contains(name))
                throw new NotSupportedException($"operator {name}");
            var list = values!.AsArray().Select(v => v!.GetValue<string>()).ToList();
            if (list.Count == 0)
                throw new NotSupportedException($"{name} with no value (CloudTrail requires at least one)");
            var any = list.Any(v => name switch
            {
                "Equals" or "NotEquals" => value == v,
                "StartsWith" or "NotStartsWith" => value.StartsWith(v, StringComparison.Ordinal),
                _ => value.EndsWith(v, StringComparison.Ordinal),
            });
            if (any == name.StartsWith("Not", StringComparison.Ordinal))
                return false;
        }
        return true;
    }
}
