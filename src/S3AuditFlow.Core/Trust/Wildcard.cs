namespace S3AuditFlow.Core.Trust;

/// <summary>
/// Matches a whole text against a pattern where <c>*</c> is any run of characters (also none, also <c>/</c>) and
/// <c>?</c> exactly one; everything else is itself, ordinally. Replaces a regex per entry: a NonBacktracking regex
/// costs about 1.7 MB, a pattern here costs nothing beyond its string.
/// </summary>
internal static class Wildcard
{
    /// <summary>
    /// The greedy two-pointer algorithm: a <c>*</c> first matches nothing; on a mismatch the last <c>*</c> takes one
    /// more character and matching resumes after it. Only the last <c>*</c> needs revisiting (whatever an earlier one
    /// could absorb, the later one can too), so this is O(text × pattern) at worst, linear in practice, and allocates nothing.
    /// </summary>
    public static bool IsMatch(ReadOnlySpan<char> pattern, ReadOnlySpan<char> text)
    {
        int p = 0, t = 0;
        int star = -1, starText = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                starText = t;
            }
            else if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++starText;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*')
            p++;
        return p == pattern.Length;
    }
}
