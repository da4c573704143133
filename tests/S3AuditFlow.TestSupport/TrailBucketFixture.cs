using Amazon.S3;

namespace S3AuditFlow.TestSupport;

/// <summary>
/// A <see cref="TrailTree"/> in a bucket of a real moto_server, behind a <see cref="RecordingProxy"/>, shared by a test
/// class and made on first use (so a machine without moto_server skips the tests instead of failing here).
/// </summary>
public sealed class TrailBucketFixture : IDisposable
{
    /// <summary>The bucket holding the tree.</summary>
    public const string Bucket = "org-trail-bucket";

    private readonly MotoFixture _moto = new();
    private readonly Lazy<AmazonS3Client> _s3;
    private readonly Lazy<RecordingProxy> _proxy;

    public TrailBucketFixture()
    {
        _s3 = new(() =>
        {
            var s3 = _moto.Moto.S3();
            Tree.UploadAsync(s3, Bucket).GetAwaiter().GetResult();
            return s3;
        });
        _proxy = new(() => new RecordingProxy(_moto.Moto.Endpoint));
    }

    /// <summary>What the bucket holds.</summary>
    public TrailTree Tree { get; } = TrailTree.Build();

    /// <summary>A client straight to moto_server, once the tree is uploaded.</summary>
    public AmazonS3Client S3 => _s3.Value;

    /// <summary>The recording proxy in front of moto_server, once the tree is uploaded.</summary>
    public RecordingProxy Proxy
    {
        get
        {
            _ = S3;
            return _proxy.Value;
        }
    }

    /// <summary>moto_server's endpoint, once the tree is uploaded.</summary>
    public string Endpoint
    {
        get
        {
            _ = S3;
            return _moto.Moto.Endpoint;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_proxy.IsValueCreated)
            _proxy.Value.Dispose();
        if (_s3.IsValueCreated)
            _s3.Value.Dispose();
        _moto.Dispose();
    }
}
