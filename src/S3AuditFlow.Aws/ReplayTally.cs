using Amazon.SQS.Model;

namespace S3AuditFlow.Aws;

/// <summary>The state of one replay run, keyed by message ID so a message seen twice is never sent or counted twice.</summary>
internal sealed class ReplayTally
{
    private readonly Dictionary<string, int> _moved = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ReplayFailure> _failures = new(StringComparer.Ordinal);
    private readonly HashSet<string> _sent = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deleted = new(StringComparer.Ordinal);
    private readonly HashSet<string> _later = new(StringComparer.Ordinal);

    /// <summary>Received and not deleted yet, with the latest receipt handle: what to make visible again when the run ends.</summary>
    public Dictionary<string, Message> Held { get; } = new(StringComparer.Ordinal);

    public static string? KindOf(Message message) =>
        message.MessageAttributes?.TryGetValue(ReplayKinds.Attribute, out var kind) == true ? kind.StringValue : null;

    public bool WasSent(Message message) => _sent.Contains(message.MessageId);

    /// <summary>Whether SQS received the message after <paramref name="began"/> (epoch ms); such messages are counted, not moved.</summary>
    public bool KeptLater(Message message, long began)
    {
        if (message.Attributes?.TryGetValue("SentTimestamp", out var sent) != true
            || !long.TryParse(sent, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var at)
            || at <= began)
            return false;
        _later.Add(message.MessageId);
        return true;
    }

    public void Sent(Message message)
    {
        _sent.Add(message.MessageId);
        _failures.Remove(message.MessageId);
    }

    public void Deleted(Message message)
    {
        Held.Remove(message.MessageId);
        _failures.Remove(message.MessageId);
        if (!_deleted.Add(message.MessageId))
            return; // a second delivery of a message already moved: deleted, not counted again
        var kind = KindOf(message) is (ReplayKinds.Event or ReplayKinds.Notifications) and { } known ? known : "";
        _moved[kind] = _moved.GetValueOrDefault(kind) + 1;
    }

    public void Failed(Message message, string reason, bool redriven) =>
        _failures[message.MessageId] = new ReplayFailure(message.MessageId, KindOf(message), reason, redriven);

    public ReplayResult Result() => new(
        _moved.GetValueOrDefault(ReplayKinds.Event),
        _moved.GetValueOrDefault(ReplayKinds.Notifications),
        _moved.GetValueOrDefault(""),
        [.. _failures.Values])
    {
        Later = _later.Count,
    };
}
