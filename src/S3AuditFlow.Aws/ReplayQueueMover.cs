using System.Globalization;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace S3AuditFlow.Aws;

/// <summary>
/// Moves every message of one SQS queue to another, body and message attributes unchanged. A message is deleted
/// from the source only once the destination accepted it, so a failure never loses one; it may at worst be sent
/// twice (deleting failed after sending). SQS's StartMessageMoveTask does the same in AWS, but local SQS servers
/// lack it, and this way the kinds moved can be counted. Only messages kept before the run began are moved: while
/// the cause of the failures lasts, a replayed event fails again and comes back, and moving it again would loop.
/// </summary>
public sealed class ReplayQueueMover(IAmazonSQS sqs, TimeProvider? time = null)
{
    /// <summary>
    /// How long a received message stays hidden: enough for one batch's send and delete with all their retries
    /// (4 tries of at most 5 s each, twice). Messages that could not be moved are made visible again at the end.
    /// </summary>
    public const int VisibilityTimeoutSeconds = 120;

    /// <summary>SQS samples its servers, so one empty receive does not prove the queue empty; two in a row do for this purpose.</summary>
    private const int EmptyReceivesToStop = 2;

    /// <summary>A short long-poll: it finds messages a zero-wait receive may miss, and ends a run on an empty queue in seconds.</summary>
    private const int WaitSeconds = 1;

    /// <summary>Moves messages until the source yields none.</summary>
    /// <exception cref="QueueUnavailableException">A queue could not be read or written; what was not moved stays in the source.</exception>
    public async Task<ReplayResult> MoveAllAsync(string sourceQueueUrl, string destinationQueueUrl, CancellationToken cancellationToken = default)
    {
        var tally = new ReplayTally();
        var began = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        try
        {
            for (var empty = 0; empty < EmptyReceivesToStop;)
            {
                var received = await ReceiveAsync(sourceQueueUrl, tally, cancellationToken).ConfigureAwait(false);
                foreach (var message in received)
                    tally.Held[message.MessageId] = message;
                // Kept after the run began: held (hidden) until the run ends, then left for the next replay.
                var messages = received.Where(m => !tally.KeptLater(m, began)).ToList();
                empty = messages.Count == 0 ? empty + 1 : 0;
                // A message already sent in this run (SQS delivers at least once, or its delete failed) is only deleted.
                foreach (var batch in SendBatches.Split(messages.Where(m => !tally.WasSent(m))))
                    await SendAsync(destinationQueueUrl, batch, tally, cancellationToken).ConfigureAwait(false);
                await DeleteAsync(sourceQueueUrl, [.. messages.Where(tally.WasSent)], tally, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            await ReleaseAsync(sourceQueueUrl, tally.Held.Values).ConfigureAwait(false);
        }
        return tally.Result();
    }

    private async Task<List<Message>> ReceiveAsync(string queueUrl, ReplayTally tally, CancellationToken cancellationToken)
    {
        var request = new ReceiveMessageRequest
        {
            QueueUrl = queueUrl,
            MaxNumberOfMessages = SendBatches.MaxBatchCount,
            WaitTimeSeconds = WaitSeconds,
            VisibilityTimeout = VisibilityTimeoutSeconds,
            MessageAttributeNames = ["All"],
            MessageSystemAttributeNames = ["SentTimestamp"],
        };
        var response = await Guard($"receiving from {queueUrl}", tally, () => sqs.ReceiveMessageAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
        return response.Messages ?? [];
    }

    private async Task SendAsync(string queueUrl, List<Message> batch, ReplayTally tally, CancellationToken cancellationToken)
    {
        var request = new SendMessageBatchRequest
        {
            QueueUrl = queueUrl,
            Entries = [.. batch.Select((m, i) => SendBatches.Entry(Id(i), m))],
        };
        SendMessageBatchResponse response;
        try
        {
            response = await sqs.SendMessageBatchAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonSQSException e) when (IsRejection(e))
        {
            if (batch.Count == 1)
            {
                tally.Failed(batch[0], $"not sent to {queueUrl}: {e.ErrorCode}: {e.Message}", redriven: false);
                return;
            }
            // One message the destination refuses can fail the whole batch; sent alone, the others still go.
            foreach (var message in batch)
                await SendAsync(queueUrl, [message], tally, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (Exception e) when (IsUnavailable(e, cancellationToken))
        {
            throw Unavailable($"sending to {queueUrl}", tally, e);
        }
        foreach (var ok in response.Successful ?? [])
            tally.Sent(batch[Index(ok.Id)]);
        foreach (var error in response.Failed ?? [])
            tally.Failed(batch[Index(error.Id)], $"not sent to {queueUrl}: {error.Code}: {error.Message}", redriven: false);
    }

    private async Task DeleteAsync(string queueUrl, List<Message> moved, ReplayTally tally, CancellationToken cancellationToken)
    {
        if (moved.Count == 0)
            return;
        var request = new DeleteMessageBatchRequest
        {
            QueueUrl = queueUrl,
            Entries = [.. moved.Select((m, i) => new DeleteMessageBatchRequestEntry(Id(i), m.ReceiptHandle))],
        };
        var response = await Guard($"deleting from {queueUrl}", tally, () => sqs.DeleteMessageBatchAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);
        foreach (var ok in response.Successful ?? [])
            tally.Deleted(moved[Index(ok.Id)]);
        foreach (var error in response.Failed ?? [])
            tally.Failed(moved[Index(error.Id)], $"sent, but not deleted from {queueUrl}: {error.Code}: {error.Message}", redriven: true);
    }

    /// <summary>
    /// Makes what was received but not moved visible again at once, so a rerun (or a look in the console) finds
    /// it without waiting out the visibility timeout. Best effort: if this fails too, the timeout does the same.
    /// </summary>
    private async Task ReleaseAsync(string queueUrl, IEnumerable<Message> held)
    {
        foreach (var chunk in held.Chunk(SendBatches.MaxBatchCount))
        {
            var request = new ChangeMessageVisibilityBatchRequest
            {
                QueueUrl = queueUrl,
                Entries = [.. chunk.Select((m, i) => new ChangeMessageVisibilityBatchRequestEntry(Id(i), m.ReceiptHandle) { VisibilityTimeout = 0 })],
            };
            try
            {
                await sqs.ChangeMessageVisibilityBatchAsync(request, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (IsUnavailable(e, CancellationToken.None))
            {
                return;
            }
        }
    }

    /// <summary>Batch entry IDs are the message's position in its batch, unique within a request as SQS requires.</summary>
    private static string Id(int index) => index.ToString(CultureInfo.InvariantCulture);

    private static int Index(string id) => int.Parse(id, CultureInfo.InvariantCulture);

    private static async Task<T> Guard<T>(string what, ReplayTally tally, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(e, cancellationToken))
        {
            throw Unavailable(what, tally, e);
        }
    }

    private static QueueUnavailableException Unavailable(string what, ReplayTally tally, Exception e) =>
        new($"{what} failed: {e.GetType().Name}: {e.Message}", tally.Result(), e);

    /// <summary>The destination refused a message's content (size, characters, attributes), not the request: the queue works.</summary>
    private static bool IsRejection(AmazonSQSException e) =>
        e is BatchRequestTooLongException or InvalidMessageContentsException or InvalidAttributeNameException or InvalidAttributeValueException
        || e.ErrorCode is "InvalidParameterValue" or "MessageTooLong";

    /// <summary>What the SDK throws once its retries are spent; a cancellation the caller asked for is not one.</summary>
    private static bool IsUnavailable(Exception e, CancellationToken cancellationToken) =>
        e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException
        || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested);
}
