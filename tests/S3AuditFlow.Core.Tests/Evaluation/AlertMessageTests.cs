using System.Text;
using S3AuditFlow.Core.Evaluation;
using static S3AuditFlow.Core.Tests.Support.Accesses;

namespace S3AuditFlow.Core.Tests.Evaluation;

/// <summary>The SNS subject: one line, valid text, under 100 characters, cut where a reader sees a character end.</summary>
public class AlertMessageTests
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    [Theory]
    // A surrogate pair (an emoji) straddling the cut: cutting on UTF-16 units kept its high half alone.
    [InlineData(97, "\U0001F600")]
    [InlineData(96, "\U0001F600")]
    // A family emoji (a ZWJ sequence) and a letter with a combining accent are each one text element.
    [InlineData(95, "\U0001F468\u200D\U0001F469\u200D\U0001F467")]
    [InlineData(97, "e\u0301")]
    public void ALongSubjectIsCutBetweenTextElements(int prefix, string element)
    {
        var text = new string('x', prefix) + element + new string('y', 20);

        var subject = AlertMessage.OneLineSubject(text);

        Assert.True(subject.Length <= AlertMessage.MaxSubjectLength, $"{subject.Length} units");
        Assert.EndsWith("…", subject, StringComparison.Ordinal);
        _ = StrictUtf8.GetBytes(subject); // throws on a lone surrogate
        var kept = subject[..^1];
        Assert.True(kept == new string('x', prefix) || kept == new string('x', prefix) + element, $"cut inside a text element: {kept[prefix..]}");
    }

    [Fact]
    public void ASubjectIsOneLineOfValidText()
    {
        var subject = AlertMessage.OneLineSubject("a\nb\u2028c\u0085d\ud800e");

        Assert.Equal("a b c d\uFFFDe", subject);
    }

    [Fact]
    public void AnAlertForAKeyOfEmojiHasASubjectSnsAccepts()
    {
        var key = string.Concat(Enumerable.Repeat("\U0001F4B3", 60)) + "/cardholder.csv";
        var message = AlertMessage.Compose(Candidate(Read(key: key)));

        Assert.True(message.Subject.Length <= AlertMessage.MaxSubjectLength);
        _ = StrictUtf8.GetBytes(message.Subject);
    }
}
