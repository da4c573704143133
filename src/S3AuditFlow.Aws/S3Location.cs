namespace S3AuditFlow.Aws;

/// <summary>An `s3://bucket/prefix` argument: a bucket and a key prefix (empty for the whole bucket).</summary>
public sealed record S3Location(string Bucket, string Prefix)
{
    private const string Scheme = "s3://";

    /// <summary>True when <paramref name="argument"/> is meant as an S3 location rather than a local path.</summary>
    public static bool IsS3(string argument) => argument.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses `s3://bucket`, `s3://bucket/` or `s3://bucket/any/prefix`; the prefix is kept as given.</summary>
    /// <exception cref="FormatException">Not an s3:// URI, or no valid bucket name.</exception>
    public static S3Location Parse(string argument)
    {
        if (!IsS3(argument))
            throw new FormatException($"\"{argument}\" is not an s3://bucket/prefix URI");
        var rest = argument[Scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        // Looser than BucketName.IsValid: buckets made before 2018 in us-east-1 may hold capitals and underscores.
        if (bucket.Length is < 3 or > 255 || !bucket.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
            throw new FormatException($"\"{argument}\" does not name a valid bucket (s3://bucket/prefix)");
        return new S3Location(bucket, slash < 0 ? "" : rest[(slash + 1)..]);
    }

    /// <summary>How reports name an object of this bucket: s3://bucket/key.</summary>
    public string Name(string key) => $"{Scheme}{Bucket}/{key}";

    /// <inheritdoc />
    public override string ToString() => Name(Prefix);
}
