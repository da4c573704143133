namespace S3AuditFlow.Core.Config;

/// <summary>
/// Where an allowlist entry or a rule applies: everywhere (global), one account's reads, one bucket's reads, or one
/// bucket's reads in one account. A bucket name is only unique per partition, so a bucket scope alone stays valid.
/// The config table's partition key: "global" | "account#ID" | "bucket#NAME" | "account#ID#bucket#NAME".
/// </summary>
/// <param name="Account">A 12-digit account ID, or null for any account.</param>
/// <param name="Bucket">A bucket name, or null for any bucket.</param>
public readonly record struct ConfigScope(string? Account = null, string? Bucket = null)
{
    private const string GlobalKey = "global";
    private const string AccountPrefix = "account#";
    private const string BucketPrefix = "bucket#";

    /// <summary>The global scope.</summary>
    public static ConfigScope Global => default;

    /// <summary>One bucket's scope, or global for null (what a bucket-only caller had before accounts).</summary>
    public static ConfigScope ForBucket(string? bucket) => new(null, bucket);

    /// <summary>True for the global scope.</summary>
    public bool IsGlobal => Account is null && Bucket is null;

    /// <summary>The partition key: "global", "account#ID", "bucket#NAME" or "account#ID#bucket#NAME".</summary>
    public string Key => (Account, Bucket) switch
    {
        (null, null) => GlobalKey,
        (null, { } bucket) => BucketPrefix + bucket,
        ({ } account, null) => AccountPrefix + account,
        ({ } account, { } bucket) => AccountPrefix + account + "#" + BucketPrefix + bucket,
    };

    /// <summary>True when the scope's items apply to a read of <paramref name="bucket"/> logged for <paramref name="account"/>.</summary>
    public bool AppliesTo(string? account, string bucket) =>
        (Account is null || string.Equals(Account, account, StringComparison.Ordinal))
        && (Bucket is null || string.Equals(Bucket, bucket, StringComparison.Ordinal));

    /// <summary>
    /// True when this scope and <paramref name="other"/> can both apply to one read: each part is unset on either
    /// side or equal (what `allowlist list --account/--bucket` shows, and the entries a new entry pairs with).
    /// </summary>
    public bool Overlaps(ConfigScope other) =>
        (Account is null || other.Account is null || Account == other.Account) && (Bucket is null || other.Bucket is null || Bucket == other.Bucket);

    /// <summary>"account 111122223333, bucket b" — how messages name a scope ("global" for the global scope).</summary>
    public string Describe() => (Account, Bucket) switch
    {
        (null, null) => "global",
        (null, { } bucket) => "bucket " + bucket,
        ({ } account, null) => "account " + account,
        ({ } account, { } bucket) => $"account {account}, bucket {bucket}",
    };

    /// <summary>Why an account or bucket cannot scope an item (naming which), or null when both are valid or absent.</summary>
    public string? Validate() =>
        Account is not null && !AccountId.IsValid(Account) ? $"account \"{Account}\" is not an account ID ({AccountId.Rule})"
        : Bucket is not null && !BucketName.IsValid(Bucket) ? $"bucket \"{Bucket}\" is not an S3 bucket name ({BucketName.Rule})"
        : null;

    /// <summary>
    /// Reads a partition key. Bucket names hold no '#' and account IDs are 12 digits, so every valid scope has one
    /// reading; anything else is refused with the reason.
    /// </summary>
    public static bool TryParse(string key, out ConfigScope scope, out string? error)
    {
        scope = Global;
        error = null;
        if (key == GlobalKey)
            return true;
        string? account = null;
        var rest = key;
        var bucketFollows = false;
        if (rest.StartsWith(AccountPrefix, StringComparison.Ordinal))
        {
            var end = rest.IndexOf('#', AccountPrefix.Length);
            account = end < 0 ? rest[AccountPrefix.Length..] : rest[AccountPrefix.Length..end];
            rest = end < 0 ? "" : rest[(end + 1)..];
            bucketFollows = end >= 0;
        }
        string? bucket = null;
        if (rest.StartsWith(BucketPrefix, StringComparison.Ordinal))
        {
            bucket = rest[BucketPrefix.Length..];
            rest = "";
        }
        var candidate = new ConfigScope(account, bucket);
        if (rest.Length > 0 || (account is null && bucket is null) || (bucketFollows && bucket is null) || candidate.Validate() is not null)
        {
            error = $"scope \"{key}\" is not \"global\", \"account#ID\", \"bucket#NAME\" or \"account#ID#bucket#NAME\" with an account ID ({AccountId.Rule}) and a bucket name ({BucketName.Rule})";
            return false;
        }
        scope = candidate;
        return true;
    }

    /// <summary>The scope of an allowlist entry.</summary>
    public static ConfigScope Of(Trust.AllowlistEntry entry) => new(entry.Account, entry.Bucket);

    /// <summary>The scope of a sensitivity rule.</summary>
    public static ConfigScope Of(Sensitivity.SensitivityRule rule) => new(rule.Account, rule.Bucket);
}
