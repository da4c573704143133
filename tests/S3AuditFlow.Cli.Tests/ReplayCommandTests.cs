using Amazon.SQS;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Cli.Tests;

/// <summary>`s3audit replay` against a real SQS (moto_server): kept messages go back through the workflow, none is lost.</summary>
public sealed class ReplayCommandTests : IClassFixture<MotoFixture>, IDisposable
{
    private readonly MotoFixture _server;
    private readonly Lazy<AmazonSQSClient> _sqs;

    public ReplayCommandTests(MotoFixture server)
    {
        _server = server;
        _sqs = new(() => server.Moto.Sqs());
    }

    private AmazonSQSClient Sqs => _sqs.Value;

    private CliRun Replay(string replayQueue, string redriveQueue) =>
        CliRun.Of("replay", "--replay-queue", replayQueue, "--redrive-queue", redriveQueue, "--endpoint-url", _server.Moto.Endpoint, "--region", "us-east-1");

    private static List<KeptMessage> Sorted(IEnumerable<KeptMessage> messages) =>
        [.. messages.OrderBy(m => m.Body, StringComparer.Ordinal).ThenBy(m => m.Cause, StringComparer.Ordinal)];

    [MotoFact]
    public async Task Moves_every_kept_message_unchanged_and_a_second_run_moves_nothing()
    {
        var replay = await SqsQueues.CreateAsync(Sqs, "replay");
        var redrive = await SqsQueues.CreateAsync(Sqs, "redrive");
        var kept = KeptMessages.Mix(250);
        await SqsQueues.SendAsync(Sqs, replay, kept);

        var run = Replay(replay, redrive);

        Assert.Equal("", run.Error);
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Equal(["replayed 250 messages: 200 events to judge again, 50 notifications to publish; 0 left in the replay queue"], run.OutLines);
        Assert.Equal(Sorted(kept), Sorted(await SqsQueues.ReadAllAsync(Sqs, redrive)));
        Assert.Empty(await SqsQueues.ReadAllAsync(Sqs, replay));

        var again = Replay(replay, redrive);

        Assert.Equal(ExitCodes.Ok, again.ExitCode);
        Assert.Equal(["replayed 0 messages: 0 events to judge again, 0 notifications to publish; 0 left in the replay queue"], again.OutLines);
    }

    [MotoFact]
    public async Task A_deleted_redrive_queue_exits_3_and_deletes_nothing_from_the_replay_queue()
    {
        var replay = await SqsQueues.CreateAsync(Sqs, "replay");
        var redrive = await SqsQueues.CreateAsync(Sqs, "redrive");
        await Sqs.DeleteQueueAsync(redrive);
        var kept = KeptMessages.Mix(30);
        await SqsQueues.SendAsync(Sqs, replay, kept);

        var run = Replay(replay, redrive);

        Assert.Equal(ExitCodes.StoreError, run.ExitCode);
        Assert.Contains($"s3audit: sending to {redrive} failed: QueueDoesNotExistException", run.Error, StringComparison.Ordinal);
        Assert.Contains("replayed 0 messages (0 events, 0 notifications) before that; every other message stays in the replay queue", run.Error, StringComparison.Ordinal);
        // Made visible again at once: a rerun once the queue exists needs no wait.
        Assert.Equal(Sorted(kept), Sorted(await SqsQueues.ReadAllAsync(Sqs, replay)));
    }

    [MotoFact]
    public async Task A_replay_queue_that_does_not_exist_exits_3()
    {
        var redrive = await SqsQueues.CreateAsync(Sqs, "redrive");
        var missing = _server.Moto.Endpoint + "/123456789012/no-such-replay-queue";

        var run = Replay(missing, redrive);

        Assert.Equal(ExitCodes.StoreError, run.ExitCode);
        Assert.Contains($"s3audit: receiving from {missing} failed: QueueDoesNotExistException", run.Error, StringComparison.Ordinal);
        Assert.Empty(await SqsQueues.ReadAllAsync(Sqs, redrive));
    }

    [MotoFact]
    public async Task A_message_the_redrive_queue_refuses_stays_in_the_replay_queue_and_exits_1()
    {
        var replay = await SqsQueues.CreateAsync(Sqs, "replay");
        // A redrive queue that takes only small messages refuses the one large event; the batch around it still moves.
        var redrive = await SqsQueues.CreateAsync(Sqs, "redrive", new() { ["MaximumMessageSize"] = "3072" });
        var kept = KeptMessages.Mix(25);
        var large = KeptMessages.Event(1000) with { Body = KeptMessages.Event(1000).Body.Replace("exports/", "exports/" + new string('x', 3000) + "/", StringComparison.Ordinal) };
        await SqsQueues.SendAsync(Sqs, replay, [.. kept.Take(12), large, .. kept.Skip(12)]);

        var run = Replay(replay, redrive);

        Assert.Equal(ExitCodes.SomeNotMoved, run.ExitCode);
        Assert.Equal(["replayed 25 messages: 20 events to judge again, 5 notifications to publish; 1 left in the replay queue"], run.OutLines);
        var failure = Assert.Single(run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("s3audit: left in the replay queue: message ", failure, StringComparison.Ordinal);
        Assert.Contains($"(event): not sent to {redrive}: InvalidParameterValue: ", failure, StringComparison.Ordinal);
        Assert.Equal(Sorted(kept), Sorted(await SqsQueues.ReadAllAsync(Sqs, redrive)));
        Assert.Equal([large], await SqsQueues.ReadAllAsync(Sqs, replay));
    }

    public void Dispose()
    {
        if (_sqs.IsValueCreated)
            _sqs.Value.Dispose();
    }
}
