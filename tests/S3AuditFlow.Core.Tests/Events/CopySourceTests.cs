using S3AuditFlow.Core.Events;

namespace S3AuditFlow.Core.Tests.Events;

public class CopySourceTests
{
    private const string AccessPoint = "arn:aws:s3:us-west-2:123456789012:accesspoint/my-ap";

    [Theory]
    [InlineData("bucket/key.txt", "bucket", "key.txt")]
    [InlineData("/bucket/dir/key.txt", "bucket", "dir/key.txt")]
    [InlineData("bucket/a/b/c.txt", "bucket", "a/b/c.txt")]
    [InlineData("bucket/key.txt?versionId=3HL4kqtJvjVBH40Nrjfkd", "bucket", "key.txt")]
    [InlineData("/bucket/key.txt?versionId=3HL4kqtJvjVBH40Nrjfkd", "bucket", "key.txt")]
    [InlineData("bucket/dir%2Fkey%20name.txt", "bucket", "dir/key name.txt")]
    [InlineData("bucket%2Fdir%2Fkey.txt", "bucket", "dir/key.txt")]
    [InlineData("bucket/what%3Fnot.txt?versionId=1", "bucket", "what?not.txt")]
    [InlineData("bucket/key+plus.txt", "bucket", "key+plus.txt")]
    [InlineData("bucket/caf%C3%A9.txt", "bucket", "café.txt")]
    [InlineData("bucket/%zz.txt", "bucket", "%zz.txt")]
    [InlineData("target bucket/target file.txt", "target bucket", "target file.txt")]
    [InlineData(AccessPoint + "/object/reports/q1.csv", AccessPoint, "reports/q1.csv")]
    [InlineData("/" + AccessPoint + "/object/reports/q1.csv?versionId=7", AccessPoint, "reports/q1.csv")]
    [InlineData("arn%3Aaws%3As3%3Aus-west-2%3A123456789012%3Aaccesspoint%2Fmy-ap%2Fobject%2Freports%2Fq1.csv", AccessPoint, "reports/q1.csv")]
    [InlineData(AccessPoint + "/object/a/object/b.txt", AccessPoint, "a/object/b.txt")]
    public void ParsesBucketAndKey(string header, string bucket, string key)
    {
        Assert.Equal(new ObjectRef(bucket, key), CopySource.Parse(header));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("bucket")]
    [InlineData("bucket/")]
    [InlineData("/bucket")]
    [InlineData("?versionId=1")]
    [InlineData(AccessPoint)]
    [InlineData(AccessPoint + "/object/")]
    [InlineData("arn:aws:s3:::bucket/key")]
    public void NamesNoObject(string header)
    {
        Assert.Null(CopySource.Parse(header));
    }

    [Fact]
    public void AccessPointNamedObject()
    {
        const string ap = "arn:aws:s3:us-east-1:123456789012:accesspoint/object";

        Assert.Equal(new ObjectRef(ap, "k.txt"), CopySource.Parse(ap + "/object/k.txt"));
    }
}
