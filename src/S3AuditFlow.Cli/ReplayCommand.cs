using System.CommandLine;
using S3AuditFlow.Aws;

namespace S3AuditFlow.Cli;

/// <summary>
/// `s3audit replay`: sends every message the workflow kept in the replay queue back through it, by moving them to
/// the redrive queue that feeds the state machine (kept events are judged again, kept notifications published).
/// </summary>
public static class ReplayCommand
{
    private const int MaxFailuresListed = 50;

    /// <summary>Builds the command.</summary>
    public static Command Create(CliConsole console)
    {
        var replayQueue = QueueOption("--replay-queue", "S3AUDIT_REPLAY_QUEUE_URL", "The queue holding what the workflow could not evaluate or publish");
        var redriveQueue = QueueOption("--redrive-queue", "S3AUDIT_REDRIVE_QUEUE_URL", "The queue that feeds the state machine");
        var aws = new AwsOptions("SQS endpoint, e.g. a local moto_server: http://127.0.0.1:5000");
        var command = new Command("replay", "Move every kept message from the replay queue to the redrive queue, so the workflow judges the events again and publishes the notifications")
        {
            replayQueue.Option, redriveQueue.Option,
        };
        aws.AddTo(command);
        command.SetAction((result, cancel) => AllowlistCommand.Guarded(console, async () =>
        {
            var (source, destination) = Queues(result, replayQueue, redriveQueue);
            using var sqs = aws.Target(result, RegionOf(source)).CreateSqs();
            try
            {
                var moved = await new ReplayQueueMover(sqs).MoveAllAsync(source, destination, cancel).ConfigureAwait(false);
                console.Out.WriteLine(Summary(moved));
                ReportFailures(console.Error, moved.Failures);
                return moved.Failures.Count == 0 ? ExitCodes.Ok : ExitCodes.SomeNotMoved;
            }
            catch (QueueUnavailableException e)
            {
                console.Error.WriteLine("s3audit: " + e.Message);
                console.Error.WriteLine($"s3audit: {Moved(e.MovedBefore)} before that; every other message stays in the replay queue");
                return ExitCodes.StoreError;
            }
        }));
        return command;
    }

    private sealed record QueueUrlOption(Option<string?> Option, string Variable);

    private static QueueUrlOption QueueOption(string name, string variable, string what) =>
        new(new Option<string?>(name) { Description = $"{what} (default: ${variable})", HelpName = "URL" }, variable);

    private static (string Source, string Destination) Queues(ParseResult result, QueueUrlOption replay, QueueUrlOption redrive)
    {
        string? Value(QueueUrlOption queue) => result.GetValue(queue.Option) ?? NonEmpty(Environment.GetEnvironmentVariable(queue.Variable));
        var (source, destination) = (Value(replay), Value(redrive));
        var missing = new[] { (Queue: replay, Url: source), (Queue: redrive, Url: destination) }
            .Where(q => q.Url is null).Select(q => $"{q.Queue.Option.Name} URL (or ${q.Queue.Variable})").ToList();
        if (missing.Count > 0)
            throw new UsageException("missing " + string.Join(" and ", missing));
        ValidUrl(replay, source!);
        ValidUrl(redrive, destination!);
        // Moving a queue onto itself would never end: every message sent comes back as a new one.
        if (string.Equals(source, destination, StringComparison.Ordinal))
            throw new UsageException("--replay-queue and --redrive-queue are the same queue");
        return (source!, destination!);
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static void ValidUrl(QueueUrlOption queue, string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            throw new UsageException($"{queue.Option.Name} \"{url}\" is not a queue URL (e.g. https://sqs.us-east-1.amazonaws.com/123456789012/NAME)");
    }

    /// <summary>An AWS queue URL names its region (https://sqs.REGION.amazonaws.com/…), so --region is only needed to override it.</summary>
    private static string? RegionOf(string queueUrl)
    {
        var host = new Uri(queueUrl).Host.Split('.');
        return host is ["sqs", var region, "amazonaws", ..] ? region : null;
    }

    private static string Summary(ReplayResult moved) =>
        $"replayed {Count(moved.Moved, "message")}: {Count(moved.Events, "event")} to judge again, {Count(moved.Notifications, "notification")} to publish"
        + (moved.Other > 0 ? $", {Count(moved.Other, "message")} without a known kind" : "")
        + $"; {moved.Failures.Count} left in the replay queue"
        + (moved.Later > 0 ? $"; {Count(moved.Later, "message")} kept since this replay began left for the next one (is the cause fixed?)" : "");

    private static string Moved(ReplayResult moved) =>
        $"replayed {Count(moved.Moved, "message")} ({Count(moved.Events, "event")}, {Count(moved.Notifications, "notification")})";

    private static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    private static void ReportFailures(TextWriter error, IReadOnlyList<ReplayFailure> failures)
    {
        foreach (var f in failures.Take(MaxFailuresListed))
        {
            var what = f.Redriven ? "re-driven but still in the replay queue (a later replay sends it again)" : "left in the replay queue";
            error.WriteLine($"s3audit: {what}: message {f.MessageId} ({f.Kind ?? "no kind"}): {f.Reason}");
        }
        if (failures.Count > MaxFailuresListed)
            error.WriteLine($"s3audit: … and {failures.Count - MaxFailuresListed} more left in the replay queue");
    }
}
