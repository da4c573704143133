using System.Buffers;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using S3AuditFlow.Core.Input;

namespace S3AuditFlow.Aws;

/// <summary>
/// An object's body as scan reads it: the GetObject response stream, read as it arrives and never stored. Whatever
/// fails, opening or mid-stream, surfaces as an <see cref="IOException"/>, which scan reports against the object's
/// s3:// name (as it reports an unreadable file) before going on with the other inputs.
/// </summary>
internal sealed class S3ObjectStream(GetObjectResponse response) : ReadOnlyStream(response.ResponseStream)
{
    private readonly CancellationTokenSource _stall = new();
    private long _read;

    /// <summary>
    /// How long a read may wait for the next bytes. The SDK's timeout ends with the response headers (the body is
    /// streamed), so without this a connection that goes silent would hold the scan forever.
    /// </summary>
    internal static TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Starts a GetObject and returns its body (the SDK has retried what it retries).</summary>
    /// <exception cref="IOException">The object cannot be read (missing, access denied, KMS, network).</exception>
    public static Stream Open(IAmazonS3 s3, string bucket, string key)
    {
        try
        {
            // Scan reads its inputs on blocking worker threads; the SDK offers only the asynchronous call.
            return new S3ObjectStream(s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }).GetAwaiter().GetResult());
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            throw new IOException($"GetObject failed: {Describe(e)}", e);
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadBody(buffer.AsMemory(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var rented = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            var n = ReadBody(rented.AsMemory(0, buffer.Length));
            rented.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private int ReadBody(Memory<byte> buffer)
    {
        _stall.CancelAfter(StallTimeout);
        try
        {
            var pending = Inner.ReadAsync(buffer, _stall.Token);
            var n = pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
            _read += n;
            return n;
        }
        catch (OperationCanceledException e) when (_stall.IsCancellationRequested)
        {
            throw new IOException($"the object's body stalled: no bytes for {StallTimeout.TotalSeconds:N0} s after {_read:N0}{OfLength()} bytes", e);
        }
        catch (Exception e) when (IsReadFailure(e))
        {
            throw new IOException($"the object's body broke off after {_read:N0}{OfLength()} bytes: {Describe(e)}", e);
        }
        finally
        {
            _stall.TryReset();
        }
    }

    private string OfLength() => response.ContentLength > 0 ? $" of {response.ContentLength:N0}" : "";

    private static bool IsReadFailure(Exception e) =>
        e is AmazonServiceException or AmazonClientException or HttpRequestException or IOException or OperationCanceledException;

    private static string Describe(Exception e) =>
        e is AmazonServiceException { ErrorCode: { Length: > 0 } code } ? $"{code}: {e.Message}" : $"{e.GetType().Name}: {e.Message}";

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            response.Dispose();
            _stall.Dispose();
        }
    }
}
