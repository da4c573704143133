using Amazon.SQS;
using Amazon.SQS.Model;

namespace S3AuditFlow.TestSupport;

/// <summary>Queue set-up and inspection for tests against a real (moto) SQS.</summary>
public static class SqsQueues
{
    /// <summary>Creates a queue under a fresh name and returns its URL.</summary>
    public static async Task<string> CreateAsync(IAmazonSQS sqs, string prefix, Dictionary<string, string>? attributes = null) =>
        (await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = $"{prefix}-{Guid.NewGuid():N}", Attributes = attributes })).QueueUrl;

    /// <summary>Sends the messages as the state machine does: body and String attributes.</summary>
    public static async Task SendAsync(IAmazonSQS sqs, string queueUrl, IEnumerable<KeptMessage> messages)
    {
        foreach (var chunk in messages.Chunk(10))
        {
            var response = await sqs.SendMessageBatchAsync(new SendMessageBatchRequest
            {
                QueueUrl = queueUrl,
                Entries = [.. chunk.Select((m, i) => new SendMessageBatchRequestEntry(i.ToString(System.Globalization.CultureInfo.InvariantCulture), m.Body)
                {
                    MessageAttributes = m.Attributes().ToDictionary(a => a.Key, a => new MessageAttributeValue { DataType = "String", StringValue = a.Value }),
                })],
            });
            if (response.Failed is { Count: > 0 })
                throw new InvalidOperationException($"test set-up: {response.Failed.Count} messages not sent: {response.Failed[0].Message}");
        }
    }

    /// <summary>
    /// Every message in the queue, read back as <see cref="KeptMessage"/> (attributes other than kind, error and cause
    /// would fail the comparison on purpose). Messages stay in the queue, hidden for a while.
    /// </summary>
    public static async Task<List<KeptMessage>> ReadAllAsync(IAmazonSQS sqs, string queueUrl)
    {
        var read = new List<KeptMessage>();
        for (var empty = 0; empty < 2;)
        {
            var response = await sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = queueUrl,
                MaxNumberOfMessages = 10,
                VisibilityTimeout = 600,
                MessageAttributeNames = ["All"],
            });
            var messages = response.Messages ?? [];
            empty = messages.Count == 0 ? empty + 1 : 0;
            read.AddRange(messages.Select(Read));
        }
        return read;
    }

    /// <summary>Messages visible plus in flight, as SQS reports them.</summary>
    public static async Task<int> ApproximateCountAsync(IAmazonSQS sqs, string queueUrl)
    {
        var attributes = await sqs.GetQueueAttributesAsync(queueUrl, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]);
        return attributes.ApproximateNumberOfMessages + attributes.ApproximateNumberOfMessagesNotVisible;
    }

    private static KeptMessage Read(Message message)
    {
        var attributes = message.MessageAttributes ?? [];
        if (attributes.Count != 3 || attributes.Values.Any(a => a.DataType != "String"))
            throw new InvalidOperationException($"message {message.MessageId}: unexpected attributes {string.Join(", ", attributes.Select(a => $"{a.Key}:{a.Value.DataType}"))}");
        return new KeptMessage(message.Body, attributes["kind"].StringValue, attributes["error"].StringValue, attributes["cause"].StringValue);
    }
}
