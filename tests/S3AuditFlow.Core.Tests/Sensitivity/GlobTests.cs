using System.Text;
using System.Text.RegularExpressions;
using S3AuditFlow.Core.Sensitivity;
using S3AuditFlow.Core.Tests.Trust;

namespace S3AuditFlow.Core.Tests.Sensitivity;

public class GlobTests
{
    /// <summary>
    /// The regex globs were compiled to before <see cref="Glob"/>, kept here as the reference for the README's
    /// semantics. One quirk fixed on purpose: <c>$</c> also matched before a final newline, now <c>\z</c>, so
    /// <c>*.csv</c> no longer matches the key <c>a.csv\n</c>.
    /// </summary>
    private static Regex Reference(string glob)
    {
        var pattern = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                i++;
                if (i + 1 < glob.Length && glob[i + 1] == '/')
                {
                    i++;
                    pattern.Append("(?:.*/)?");
                }
                else
                {
                    pattern.Append(".*");
                }
            }
            else if (c == '*')
            {
                pattern.Append("[^/]*");
            }
            else if (c == '?')
            {
                pattern.Append("[^/]");
            }
            else
            {
                pattern.Append(Regex.Escape(c.ToString()));
            }
        }
        return new Regex(pattern.Append(@"\z").ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    [Fact]
    public void Agrees_with_the_regex_translation_on_random_globs_and_keys()
    {
        // Few letters, so keys often match; runs of * make **, **/ and *** often; newline checks nothing skips it.
        const string globChars = "ab./*?*";
        const string keyChars = "ab./\n";
        var random = new Random(20261201);
        var matched = 0;
        var cases = 0;
        for (var n = 0; n < 3000; n++)
        {
            var glob = WildcardTests.RandomText(random, globChars, random.Next(0, 11));
            var reference = Reference(glob);
            var compiled = Glob.Compile(glob);
            for (var k = 0; k < 8; k++)
            {
                var key = k % 2 == 0 ? WildcardTests.Instance(random, glob, keyChars) : WildcardTests.RandomText(random, keyChars, random.Next(0, 14));
                var expected = reference.IsMatch(key);
                Assert.True(expected == compiled.IsMatch(key), $"glob \"{glob}\" key \"{WildcardTests.Escape(key)}\": expected {expected}");
                matched += expected ? 1 : 0;
                cases++;
            }
        }
        Assert.InRange(matched, cases / 5, cases * 4 / 5);
    }

    [Theory]
    [InlineData("", "", true)]
    [InlineData("", "a", false)]
    [InlineData("**/", "", true)]
    [InlineData("**/", "a/", true)]
    [InlineData("**/", "a", false)]
    [InlineData("a/**/", "a/", true)]
    [InlineData("***/x", "a/b/x", true)]
    [InlineData("***/x", "x", false)]
    [InlineData("**/**/x", "x", true)]
    [InlineData("a**b", "a/x/b", true)]
    [InlineData("?", "/", false)]
    [InlineData("*", "a\nb", true)]
    [InlineData("*.csv", "a.csv\n", false)]
    public void Edge_cases(string glob, string key, bool expected)
    {
        Assert.Equal(expected, Glob.Compile(glob).IsMatch(key));
    }

    [Fact]
    public void A_long_glob_is_matched_without_blowing_up()
    {
        // Stack-sized sets up to 2,048 steps, heap beyond: both paths give the same answers.
        foreach (var length in new[] { 1000, 3000 })
        {
            var glob = string.Concat(Enumerable.Repeat("*a", length / 2));
            Assert.True(Glob.Compile(glob).IsMatch(new string('a', length)));
            Assert.False(Glob.Compile(glob + "b").IsMatch(new string('a', length)));
        }
    }
}
