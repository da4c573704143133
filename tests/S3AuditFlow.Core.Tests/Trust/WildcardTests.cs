using System.Text;
using System.Text.RegularExpressions;
using S3AuditFlow.Core.Trust;

namespace S3AuditFlow.Core.Tests.Trust;

public class WildcardTests
{
    /// <summary>
    /// The regex ARN patterns were compiled to before the wildcard matcher, kept here as the reference: <c>*</c> is
    /// <c>.*</c>, <c>?</c> is <c>.</c>. Two quirks fixed on purpose: <c>$</c> also matched before a final newline
    /// (now <c>\z</c>) and <c>.</c> skipped newlines (now Singleline): the pattern covers the whole ARN, whatever it holds.
    /// </summary>
    private static Regex Reference(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal).Replace(@"\?", ".", StringComparison.Ordinal) + @"\z",
            RegexOptions.CultureInvariant | RegexOptions.Singleline);

    [Fact]
    public void Agrees_with_the_regex_translation_on_random_patterns_and_texts()
    {
        // Few letters, so texts often match, and every character that is special anywhere (the wildcards, /, :, newline).
        const string patternChars = "ab:/*?";
        const string textChars = "ab:/\n";
        var random = new Random(20261201);
        var matched = 0;
        var cases = 0;
        for (var n = 0; n < 3000; n++)
        {
            var pattern = RandomText(random, patternChars, random.Next(0, 11));
            var reference = Reference(pattern);
            for (var k = 0; k < 8; k++)
            {
                var text = k % 2 == 0 ? Instance(random, pattern, textChars) : RandomText(random, textChars, random.Next(0, 14));
                var expected = reference.IsMatch(text);
                Assert.True(expected == Wildcard.IsMatch(pattern, text), $"pattern \"{Escape(pattern)}\" text \"{Escape(text)}\": expected {expected}");
                matched += expected ? 1 : 0;
                cases++;
            }
        }
        // Both outcomes must be well represented, or the comparison proves little.
        Assert.InRange(matched, cases / 5, cases * 4 / 5);
    }

    [Theory]
    [InlineData("", "", true)]
    [InlineData("", "a", false)]
    [InlineData("*", "", true)]
    [InlineData("?", "", false)]
    [InlineData("a*b*c", "abbbc", true)]
    [InlineData("a*b*c", "acb", false)]
    [InlineData("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", true)]
    [InlineData("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)]
    [InlineData("role/*", "role/a/b", true)]
    [InlineData("role/etl", "role/etl\n", false)]
    public void Matches_the_whole_text(string pattern, string text, bool expected)
    {
        Assert.Equal(expected, Wildcard.IsMatch(pattern, text));
    }

    /// <summary>A text made from the pattern: wildcards replaced by random runs (which may still miss), sometimes one character changed.</summary>
    internal static string Instance(Random random, string pattern, string chars)
    {
        var text = new StringBuilder();
        foreach (var c in pattern)
        {
            if (c == '*')
                text.Append(RandomText(random, chars, random.Next(0, 4)));
            else if (c == '?')
                text.Append(chars[random.Next(chars.Length)]);
            else
                text.Append(c);
        }
        if (text.Length > 0 && random.Next(4) == 0)
            text[random.Next(text.Length)] = chars[random.Next(chars.Length)];
        return text.ToString();
    }

    internal static string RandomText(Random random, string chars, int length)
    {
        var text = new char[length];
        for (var i = 0; i < length; i++)
            text[i] = chars[random.Next(chars.Length)];
        return new string(text);
    }

    internal static string Escape(string text) => text.Replace("\n", "\\n", StringComparison.Ordinal);
}
