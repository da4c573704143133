using System.Text;
using Amazon.SQS.Model;

namespace S3AuditFlow.Aws;

/// <summary>Splits received messages into SendMessageBatch requests that SQS accepts.</summary>
internal static class SendBatches
{
    /// <summary>
    /// SQS refuses a whole batch whose payload (bodies and attributes) exceeds 256 KiB, and ten CloudTrail events
    /// can, so batches are cut by size as well as by count.
    /// </summary>
    public const int MaxBatchBytes = 256 * 1024;

    public const int MaxBatchCount = 10;

    public static IEnumerable<List<Message>> Split(IEnumerable<Message> messages)
    {
        var batch = new List<Message>();
        var bytes = 0;
        foreach (var message in messages)
        {
            var size = Size(message);
            if (batch.Count > 0 && (batch.Count == MaxBatchCount || bytes + size > MaxBatchBytes))
            {
                yield return batch;
                batch = [];
                bytes = 0;
            }
            batch.Add(message);
            bytes += size;
        }
        if (batch.Count > 0)
            yield return batch;
    }

    /// <summary>The body and attributes exactly as received; only the fields SendMessage accepts are copied.</summary>
    public static SendMessageBatchRequestEntry Entry(string id, Message message) => new()
    {
        Id = id,
        MessageBody = message.Body,
        MessageAttributes = message.MessageAttributes?.ToDictionary(
            a => a.Key,
            a => new MessageAttributeValue { DataType = a.Value.DataType, StringValue = a.Value.StringValue, BinaryValue = a.Value.BinaryValue },
            StringComparer.Ordinal),
    };

    private static int Size(Message message)
    {
        var size = Encoding.UTF8.GetByteCount(message.Body ?? "");
        foreach (var (name, value) in message.MessageAttributes ?? [])
        {
            size += Encoding.UTF8.GetByteCount(name) + Encoding.UTF8.GetByteCount(value.DataType ?? "")
                + (value.StringValue is { } text ? Encoding.UTF8.GetByteCount(text) : 0) + (int)(value.BinaryValue?.Length ?? 0);
        }
        return size;
    }
}
