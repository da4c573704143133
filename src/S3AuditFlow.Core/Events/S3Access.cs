using System.Text.Json.Serialization;

namespace S3AuditFlow.Core.Events;

/// <summary>One S3 object read, normalized from a CloudTrail data event: what every later step judges.</summary>
public sealed record S3Access(
    string EventId,
    DateTimeOffset EventTime,
    string EventName,
    string Bucket,
    string Key,
    ObjectRef? CopySource,
    Principal Principal,
    SourceAddress Source,
    string? ErrorCode,
    string? ErrorMessage,
    string? Region,
    string? RecipientAccountId,
    long? BytesTransferredOut,
    string? BucketAccountId = null)
{
    /// <summary>
    /// The account of the read: the owner of the bucket read, as the record's <c>resources</c> name it
    /// (<see cref="BucketAccountId"/>); else the account the record was logged for (recipientAccountId); else the
    /// caller's account. What account scopes, dedup keys and alerts go by. The bucket owner comes first because a
    /// cross-account read is logged twice, once for each account, with different recipientAccountIds: judged by the
    /// recipient, the requester's copy would be judged by the requester's scopes and alert a second time.
    /// </summary>
    [JsonIgnore]
    public string? Account => BucketAccountId ?? RecipientAccountId ?? Principal.AccountId;

    /// <summary>The object whose content was read: the copy source for copies, else the request's object.</summary>
    [JsonIgnore]
    public ObjectRef ReadObject => CopySource ?? new ObjectRef(Bucket, Key);

    /// <summary>The destination of a copy (a write that may also land in a sensitive place), else null.</summary>
    [JsonIgnore]
    public ObjectRef? CopyDestination => CopySource is null ? null : new ObjectRef(Bucket, Key);

    /// <summary>True when CloudTrail recorded an error code: the read was attempted but refused or failed.</summary>
    [JsonIgnore]
    public bool Failed => ErrorCode is not null;

    /// <summary>"succeeded" or "failed: CODE", as shown in alerts.</summary>
    [JsonIgnore]
    public string Outcome => ErrorCode is null ? "succeeded" : "failed: " + ErrorCode;
}

/// <summary>A bucket and key.</summary>
public sealed record ObjectRef(string Bucket, string Key)
{
    /// <inheritdoc />
    public override string ToString() => Bucket + "/" + Key;
}
