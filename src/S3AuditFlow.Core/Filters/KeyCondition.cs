using System.Text;
using System.Text.Json.Nodes;

namespace S3AuditFlow.Core.Filters;

/// <summary>How an EventBridge pattern value tests a string.</summary>
public enum KeyMatch
{
    /// <summary>The whole string, as a plain pattern value.</summary>
    Exact,
    /// <summary><c>{"prefix": …}</c>.</summary>
    Prefix,
    /// <summary><c>{"suffix": …}</c>.</summary>
    Suffix,
    /// <summary><c>{"wildcard": …}</c>: <c>*</c> is any run of characters, <c>/</c> included; <c>\*</c> and <c>\\</c> are literal.</summary>
    Wildcard,
}

/// <summary>One EventBridge condition on a string field (the object key or the copy source).</summary>
public sealed record KeyCondition(KeyMatch Match, string Value)
{
    /// <summary>The condition as it stands in a pattern's value array.</summary>
    public JsonNode ToJson() => Match switch
    {
        KeyMatch.Exact => JsonValue.Create(Value)!,
        KeyMatch.Prefix => new JsonObject { ["prefix"] = Value },
        KeyMatch.Suffix => new JsonObject { ["suffix"] = Value },
        _ => new JsonObject { ["wildcard"] = Value },
    };

    /// <summary>"prefix hr/exports/", as the text output names it.</summary>
    public override string ToString() => $"{Match.ToString().ToLowerInvariant()} {Value}";

    /// <summary>The conditions without repeats, in a stable order (by kind, then value, ordinally).</summary>
    public static List<KeyCondition> Sorted(IEnumerable<KeyCondition> conditions) =>
        [.. conditions.Distinct().OrderBy(c => c.Match).ThenBy(c => c.Value, StringComparer.Ordinal)];

    /// <summary>
    /// Escapes literal text for a wildcard value: EventBridge reads <c>\*</c> as a literal asterisk and <c>\\</c> as a
    /// literal backslash, and refuses a backslash before anything else, so only those two are escaped.
    /// </summary>
    public static string EscapeWildcard(string literal)
    {
        var escaped = new StringBuilder(literal.Length);
        foreach (var c in literal)
        {
            if (c is '*' or '\\')
                escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }

    /// <summary>
    /// The tightest condition for "starts with <paramref name="prefix"/>, then anything, then ends with
    /// <paramref name="suffix"/>": a prefix or suffix when one side is empty (cheaper to match than a wildcard), else a
    /// one-star wildcard. Null when both are empty: that bounds nothing.
    /// </summary>
    public static KeyCondition? Between(string prefix, string suffix) =>
        (prefix.Length, suffix.Length) switch
        {
            (0, 0) => null,
            (_, 0) => new KeyCondition(KeyMatch.Prefix, prefix),
            (0, _) => new KeyCondition(KeyMatch.Suffix, suffix),
            _ => new KeyCondition(KeyMatch.Wildcard, EscapeWildcard(prefix) + "*" + EscapeWildcard(suffix)),
        };
}
