using System.Text.Json;
using System.Text.Json.Nodes;

namespace S3AuditFlow.Core.Tests.Filters;

/// <summary>
/// EventBridge's content filtering, written from its documentation for the operators the filter compiler emits
/// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html,
/// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html, and the README of
/// aws/event-ruler, the matcher EventBridge runs): fields of a pattern are ANDed, the values of a field's array are
/// ORed; a pattern field the event lacks fails unless it asks <c>{"exists": false}</c>; an event array matches when
/// any element does; <c>$or</c> (two or more objects) passes when any of its objects does. Anything else it does not
/// know throws, so a compiler that emitted it would fail the tests rather than pass them by accident.
/// </summary>
internal static class EventPatternMatcher
{
    public static bool Matches(JsonNode pattern, JsonNode? @event) => MatchesObject(pattern.AsObject(), @event as JsonObject);

    private static bool MatchesObject(JsonObject pattern, JsonObject? @event)
    {
        foreach (var (name, expected) in pattern)
        {
            if (name == "$or")
            {
                var branches = expected!.AsArray();
                if (branches.Count < 2)
                    throw new NotSupportedException("$or with fewer than two objects is a field name to EventBridge");
                if (!branches.Any(b => MatchesObject(b!.AsObject(), @event)))
                    return false;
                continue;
            }
            JsonNode? actual = null;
            var present = @event is not null && @event.TryGetPropertyValue(name, out actual);
            if (expected is JsonObject nested)
            {
                if (!present || actual is not (JsonObject or JsonArray) || !Elements(actual).Any(e => MatchesObject(nested, e as JsonObject)))
                    return false;
            }
            else if (!MatchesLeaf(expected!.AsArray(), present, actual))
            {
                return false;
            }
        }
        return true;
    }

    private static IEnumerable<JsonNode?> Elements(JsonNode? node) => node is JsonArray array ? array.SelectMany(Elements) : [node];

    private static bool MatchesLeaf(JsonArray conditions, bool present, JsonNode? actual)
    {
        foreach (var condition in conditions)
        {
            if (condition is JsonObject { Count: 1 } op && op.First().Key == "exists")
            {
                if (op.First().Value!.GetValue<bool>() == present)
                    return true;
                continue;
            }
            if (present && Elements(actual).Any(value => MatchesValue(condition, value)))
                return true;
        }
        return false;
    }

    private static bool MatchesValue(JsonNode? condition, JsonNode? value)
    {
        var text = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        switch (condition)
        {
            case JsonValue literal when literal.GetValueKind() == JsonValueKind.String:
                return text == literal.GetValue<string>();
            case JsonObject { Count: 1 } op:
                var (name, argument) = op.First();
                return name switch
                {
                    "prefix" => text is not null && text.StartsWith(argument!.GetValue<string>(), StringComparison.Ordinal),
                    "suffix" => text is not null && text.EndsWith(argument!.GetValue<string>(), StringComparison.Ordinal),
                    "wildcard" => text is not null && Wildcard(argument!.GetValue<string>(), text),
                    "equals-ignore-case" => text is not null && string.Equals(text, argument!.GetValue<string>(), StringComparison.OrdinalIgnoreCase),
                    "anything-but" => text is not null && !AnythingBut(argument!, text),
                    _ => throw new NotSupportedException($"operator {name}"),
                };
            default:
                throw new NotSupportedException($"pattern value {condition?.ToJsonString()}");
        }
    }

    /// <summary>True when the text is one of those anything-but excludes.</summary>
    private static bool AnythingBut(JsonNode argument, string text) => argument switch
    {
        JsonArray values => values.Any(v => v!.GetValue<string>() == text),
        JsonObject { Count: 1 } op => MatchesValue(op, JsonValue.Create(text)),
        _ => argument.GetValue<string>() == text,
    };

    /// <summary>
    /// A wildcard value: <c>*</c> matches any run of characters, none included; <c>\*</c> is an asterisk and <c>\\</c>
    /// a backslash; two wildcards in a row, or a backslash before anything else, are refused (event-ruler README,
    /// "Wildcard matching").
    /// </summary>
    internal static bool Wildcard(string pattern, string text)
    {
        var parts = new List<string> { "" };
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                if (i + 1 >= pattern.Length || pattern[i + 1] is not ('*' or '\\'))
                    throw new FormatException($"wildcard \"{pattern}\": a backslash escapes only * or \\");
                parts[^1] += pattern[++i];
            }
            else if (c == '*')
            {
                if (i + 1 < pattern.Length && pattern[i + 1] == '*')
                    throw new FormatException($"wildcard \"{pattern}\": consecutive wildcard characters are not allowed");
                parts.Add("");
            }
            else
            {
                parts[^1] += c;
            }
        }
        // Literal runs between stars: the first anchors the start, the last the end, the others are found greedily leftmost.
        if (parts.Count == 1)
            return text == parts[0];
        if (!text.StartsWith(parts[0], StringComparison.Ordinal) || !text.EndsWith(parts[^1], StringComparison.Ordinal)
            || text.Length < parts[0].Length + parts[^1].Length)
            return false;
        var position = parts[0].Length;
        var end = text.Length - parts[^1].Length;
        foreach (var middle in parts.Skip(1).Take(parts.Count - 2))
        {
            var found = text.IndexOf(middle, position, end - position, StringComparison.Ordinal);
            if (found < 0)
                return false;
            position = found + middle.Length;
        }
        return true;
    }
}
