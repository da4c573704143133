using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace S3AuditFlow.Functions.Tests;

/// <summary>A request as a resource policy sees it: who asks (account, organization), for what action, on which resource.</summary>
internal sealed record PolicyRequest(string PrincipalAccount, string? PrincipalOrgId, string Action, string Resource)
{
    /// <summary>The principal's ARN: a role of its account (what EventBridge's forwarding role is).</summary>
    public string PrincipalArn => $"arn:aws:iam::{PrincipalAccount}:role/forwarder";
}

/// <summary>
/// NOT an IAM evaluator: no real one runs here (IAM's policy simulator is an AWS API, and the bus policy is only
/// enforced by EventBridge itself). This is the small subset of IAM's documented evaluation logic that the templates'
/// resource policies use, so a test can judge a request against a policy rather than only look at its text
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html):
/// a statement applies when its Principal, Action and Resource match and every condition holds; an applying Deny wins,
/// else an applying Allow allows, else the request is implicitly denied.
/// Supported: Effect Allow/Deny; Principal "*", {"AWS": account ID, account root ARN or principal ARN (one or a list)}
/// or {"Service": …} (never matches an account principal); Action and Resource as one value or a list, with the
/// wildcards * and ? (actions case-insensitively); Condition StringEquals on aws:PrincipalOrgID and
/// aws:PrincipalAccount, one value or a list (any value matches; a key the request lacks fails; several keys all
/// must hold). Anything else (NotPrincipal, NotAction, NotResource, another operator or key) throws, so a policy that
/// grows past this subset fails its test instead of being judged wrongly. The principal's own identity policy,
/// SCPs and session policies are not evaluated: in a cross-account request they must allow too.
/// </summary>
internal static class ResourcePolicyEvaluator
{
    /// <summary>Allowed or denied, and the Sid of the statement that decided (null for an implicit deny).</summary>
    public static (bool Allowed, string? DecidedBy) Evaluate(JsonNode policy, PolicyRequest request)
    {
        var statements = policy["Statement"] switch
        {
            JsonArray list => list.Select(s => s!.AsObject()).ToList(),
            JsonObject single => [single],
            _ => throw new NotSupportedException("a policy without Statement"),
        };
        var applying = statements.Where(s => Applies(s, request)).ToList();
        var deny = applying.FirstOrDefault(s => Effect(s) == "Deny");
        if (deny is not null)
            return (false, (string?)deny["Sid"]);
        var allow = applying.FirstOrDefault(s => Effect(s) == "Allow");
        return allow is not null ? (true, (string?)allow["Sid"]) : (false, null);
    }

    public static bool Allows(JsonNode policy, PolicyRequest request) => Evaluate(policy, request).Allowed;

    private static string Effect(JsonObject statement) => (string?)statement["Effect"] switch
    {
        "Allow" => "Allow",
        "Deny" => "Deny",
        var other => throw new NotSupportedException($"Effect {other}"),
    };

    private static bool Applies(JsonObject statement, PolicyRequest request)
    {
        foreach (var unsupported in new[] { "NotPrincipal", "NotAction", "NotResource" })
        {
            if (statement.ContainsKey(unsupported))
                throw new NotSupportedException(unsupported + " is outside this evaluator's subset");
        }
        Effect(statement);
        return PrincipalMatches(statement["Principal"] ?? throw new NotSupportedException("a resource policy statement without Principal"), request)
            && Values(statement["Action"]).Any(a => Glob(a, request.Action, ignoreCase: true))
            && Values(statement["Resource"]).Any(r => Glob(r, request.Resource, ignoreCase: false))
            && ConditionsHold(statement["Condition"] as JsonObject, request);
    }

    private static bool PrincipalMatches(JsonNode principal, PolicyRequest request)
    {
        if (principal is JsonValue && (string?)principal == "*")
            return true;
        var byType = principal.AsObject();
        foreach (var (type, value) in byType)
        {
            if (type is not ("AWS" or "Service"))
                throw new NotSupportedException($"Principal type {type}");
            if (type == "Service")
                continue; // a service principal is never an account's role
            foreach (var entry in Values(value))
            {
                if (entry == "*" || entry == request.PrincipalAccount || entry == request.PrincipalArn
                    || entry == $"arn:aws:iam::{request.PrincipalAccount}:root")
                    return true;
            }
        }
        return false;
    }

    private static bool ConditionsHold(JsonObject? conditions, PolicyRequest request)
    {
        if (conditions is null)
            return true;
        foreach (var (op, block) in conditions)
        {
            if (op != "StringEquals")
                throw new NotSupportedException($"condition operator {op}");
            foreach (var (key, expected) in block!.AsObject())
            {
                var actual = key switch
                {
                    "aws:PrincipalOrgID" => request.PrincipalOrgId,
                    "aws:PrincipalAccount" => request.PrincipalAccount,
                    _ => throw new NotSupportedException($"condition key {key}"),
                };
                // A key absent from the request context does not match StringEquals.
                if (actual is null || !Values(expected).Contains(actual, StringComparer.Ordinal))
                    return false;
            }
        }
        return true;
    }

    private static IEnumerable<string> Values(JsonNode? node) => node switch
    {
        null => throw new NotSupportedException("a statement without Action or Resource"),
        JsonArray list => list.Select(v => (string)v!),
        _ => [(string)node!],
    };

    /// <summary>IAM's wildcards: * any run of characters, ? one character.</summary>
    private static bool Glob(string pattern, string value, bool ignoreCase) =>
        Regex.IsMatch(value, "^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + "$",
            (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None) | RegexOptions.CultureInvariant);
}
