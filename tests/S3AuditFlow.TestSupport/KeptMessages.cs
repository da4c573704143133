using System.Text.Json.Nodes;

namespace S3AuditFlow.TestSupport;

/// <summary>A message as the replay queue holds it: body and String attributes, comparable as a value.</summary>
public sealed record KeptMessage(string Body, string Kind, string Error, string Cause)
{
    /// <summary>The attributes the state machine's sqs:sendMessage sets, all of DataType String.</summary>
    public Dictionary<string, string> Attributes() => new() { ["kind"] = Kind, ["error"] = Error, ["cause"] = Cause };
}

/// <summary>The two kinds of message the workflow keeps for replay, shaped as the state machine writes them.</summary>
public static class KeptMessages
{
    /// <summary>An event that could not be judged: the original EventBridge event, exactly, as the body.</summary>
    public static KeptMessage Event(int n)
    {
        var record = CloudTrailRecords.Record($"kept-event-{n:D5}-0000-4000-8000-000000000000", $"exports/cardholder_data_{n}.csv",
            time: $"2026-11-27T15:{n / 60 % 60:D2}:{n % 60:D2}Z");
        return new KeptMessage(CloudTrailRecords.EventBridge(record).ToJsonString(), "event", "StoreUnavailableException",
            $"reading s3auditflow-config scope global failed: AmazonDynamoDBException: Throughput exceeds the current capacity (event kept-event-{n:D5})");
    }

    /// <summary>An alert (and sometimes a harvest notification) whose SNS publish failed, kept to be published on replay.</summary>
    public static KeptMessage Notifications(int n)
    {
        var alert = new JsonObject
        {
            ["subject"] = $"[HIGH] S3 GetObject of exports/cardholder_data_{n}.csv by role/cg-banking-WAF-Role",
            ["message"] = $"Unexpected GetObject of a sensitive S3 object (high).\n\nObject:    s3://{CloudTrailRecords.Bucket}/exports/cardholder_data_{n}.csv\n"
                + "When:      2026-11-27 15:55:30Z\nWho:       role/cg-banking-WAF-Role (AssumedRole)\nFrom:      54.177.149.226 — not allowlisted\n",
            ["severity"] = "high",
            ["bucket"] = CloudTrailRecords.Bucket,
            ["eventName"] = "GetObject",
        };
        var dedup = new JsonObject { ["alert"] = alert };
        if (n % 2 == 0)
        {
            dedup["harvest"] = new JsonObject
            {
                ["subject"] = $"[CRITICAL] Harvest of {CloudTrailRecords.Bucket}: 100 objects by role/cg-banking-WAF-Role",
                ["message"] = "100 objects read within 15 minutes by role/cg-banking-WAF-Role from 54.177.149.226.",
                ["severity"] = "critical",
                ["bucket"] = CloudTrailRecords.Bucket,
            };
        }
        var body = new JsonObject { ["kept"] = "notifications", ["dedup"] = dedup };
        return new KeptMessage(body.ToJsonString(), "notifications", "SNS.InternalErrorException", $"Internal error publishing notification {n}");
    }

    /// <summary>A realistic mix: mostly events, some notifications, in an interleaved order.</summary>
    public static List<KeptMessage> Mix(int count, int everyNthIsNotifications = 5) =>
        [.. Enumerable.Range(0, count).Select(n => n % everyNthIsNotifications == 0 ? Notifications(n) : Event(n))];
}
