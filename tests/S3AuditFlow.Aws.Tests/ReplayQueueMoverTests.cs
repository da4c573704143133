using Amazon.SQS;
using Amazon.SQS.Model;
using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Aws.Tests;

/// <summary>What the mover keeps exactly as it was, against a real SQS (moto_server).</summary>
public sealed class ReplayQueueMoverTests : IClassFixture<MotoFixture>, IDisposable
{
    private readonly Lazy<AmazonSQSClient> _sqs;

    public ReplayQueueMoverTests(MotoFixture server) => _sqs = new(() => server.Moto.Sqs());

    private AmazonSQSClient Sqs => _sqs.Value;

    [MotoFact]
    public async Task Large_events_move_although_ten_of_them_exceed_one_batch_request()
    {
        var source = await SqsQueues.CreateAsync(Sqs, "replay");
        var destination = await SqsQueues.CreateAsync(Sqs, "redrive");
        // 12 events of ~100 KB: SQS refuses a batch over 256 KiB, so they cannot go ten at a time.
        var large = Enumerable.Range(0, 12)
            .Select(n => KeptMessages.Event(n) with { Body = KeptMessages.Event(n).Body.Replace("[aws-cli/2.1.29]", new string('u', 100_000), StringComparison.Ordinal) })
            .ToList();
        await SqsQueues.SendAsync(Sqs, source, large);

        var result = await new ReplayQueueMover(Sqs).MoveAllAsync(source, destination);

        Assert.Equal((12, 0, 0), (result.Events, result.Notifications, result.Other));
        Assert.Empty(result.Failures);
        Assert.Equal(large.Select(m => m.Body).Order(StringComparer.Ordinal), (await SqsQueues.ReadAllAsync(Sqs, destination)).Select(m => m.Body).Order(StringComparer.Ordinal));
    }

    [MotoFact]
    public async Task A_message_without_a_kind_moves_as_other_with_every_attribute_type_unchanged()
    {
        var source = await SqsQueues.CreateAsync(Sqs, "replay");
        var destination = await SqsQueues.CreateAsync(Sqs, "redrive");
        var attributes = new Dictionary<string, MessageAttributeValue>
        {
            ["note"] = new() { DataType = "String", StringValue = "sent by hand — ünïcode" },
            ["count"] = new() { DataType = "Number", StringValue = "42" },
            ["blob"] = new() { DataType = "Binary", BinaryValue = new MemoryStream([0, 1, 2, 255]) },
        };
        await Sqs.SendMessageAsync(new SendMessageRequest { QueueUrl = source, MessageBody = "{\"hand\": true}", MessageAttributes = attributes });

        var result = await new ReplayQueueMover(Sqs).MoveAllAsync(source, destination);

        Assert.Equal((0, 0, 1), (result.Events, result.Notifications, result.Other));
        var moved = Assert.Single((await Sqs.ReceiveMessageAsync(new ReceiveMessageRequest { QueueUrl = destination, MessageAttributeNames = ["All"] })).Messages);
        Assert.Equal("{\"hand\": true}", moved.Body);
        Assert.Equal(["blob", "count", "note"], moved.MessageAttributes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(("String", "sent by hand — ünïcode"), (moved.MessageAttributes["note"].DataType, moved.MessageAttributes["note"].StringValue));
        Assert.Equal(("Number", "42"), (moved.MessageAttributes["count"].DataType, moved.MessageAttributes["count"].StringValue));
        Assert.Equal("Binary", moved.MessageAttributes["blob"].DataType);
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, moved.MessageAttributes["blob"].BinaryValue.ToArray());
        Assert.Empty((await Sqs.ReceiveMessageAsync(source)).Messages ?? []);
    }

    [MotoFact]
    public async Task A_deleted_destination_throws_with_what_was_moved_and_leaves_every_message()
    {
        var source = await SqsQueues.CreateAsync(Sqs, "replay");
        var destination = await SqsQueues.CreateAsync(Sqs, "redrive");
        await Sqs.DeleteQueueAsync(destination);
        var kept = KeptMessages.Mix(15);
        await SqsQueues.SendAsync(Sqs, source, kept);

        var error = await Assert.ThrowsAsync<QueueUnavailableException>(() => new ReplayQueueMover(Sqs).MoveAllAsync(source, destination));

        Assert.Equal(0, error.MovedBefore.Moved);
        Assert.IsType<QueueDoesNotExistException>(error.InnerException);
        Assert.Equal(15, (await SqsQueues.ReadAllAsync(Sqs, source)).Count);
    }

    [MotoFact]
    public async Task Messages_kept_after_the_replay_began_are_left_for_the_next_one_so_a_lasting_failure_cannot_loop()
    {
        var source = await SqsQueues.CreateAsync(Sqs, "replay");
        var destination = await SqsQueues.CreateAsync(Sqs, "redrive");
        await SqsQueues.SendAsync(Sqs, source, KeptMessages.Mix(6));
        // A replay that began an hour before these were kept: to it, every one failed again while it ran.
        var began = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));

        var result = await new ReplayQueueMover(Sqs, began).MoveAllAsync(source, destination);

        Assert.Equal((0, 6), (result.Moved, result.Later));
        Assert.Empty(result.Failures);
        Assert.Equal(6, await SqsQueues.ApproximateCountAsync(Sqs, source));
        // They were released at the end: a replay that begins now moves them all.
        var next = await new ReplayQueueMover(Sqs).MoveAllAsync(source, destination);
        Assert.Equal((6, 0), (next.Moved, next.Later));
    }

    public void Dispose()
    {
        if (_sqs.IsValueCreated)
            _sqs.Value.Dispose();
    }
}
