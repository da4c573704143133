using S3AuditFlow.TestSupport;

namespace S3AuditFlow.Cli.Tests;

/// <summary>
/// Compares output with a file checked in under the repository, exactly (line ends aside), and prints a diff when they
/// differ. To change the file deliberately, run the test with S3AUDIT_UPDATE_GOLDEN=1: it writes what the code prints
/// instead of comparing; then review and commit the file's git diff.
/// </summary>
internal static class GoldenFile
{
    public const string UpdateVariable = "S3AUDIT_UPDATE_GOLDEN";

    public static void AssertMatches(string pathInRepository, string actual)
    {
        var path = Path.Combine(RepoPaths.Root, pathInRepository);
        actual = actual.ReplaceLineEndings("\n");
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }
        Assert.True(File.Exists(path), $"{pathInRepository} is missing; write it with {UpdateVariable}=1 and review it");
        var expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        if (expected != actual)
        {
            Assert.Fail($"the output differs from {pathInRepository} (- golden, + actual):\n{Diff(expected.Split('\n'), actual.Split('\n'))}\n"
                + $"If the change is intended, rewrite the file with {UpdateVariable}=1 (see tests/fixtures/report/README.md) and review its git diff.");
        }
    }

    /// <summary>A line diff (longest common subsequence) showing each change with two lines of context.</summary>
    internal static string Diff(string[] expected, string[] actual)
    {
        var common = new int[expected.Length + 1, actual.Length + 1];
        for (var i = expected.Length - 1; i >= 0; i--)
        {
            for (var j = actual.Length - 1; j >= 0; j--)
                common[i, j] = expected[i] == actual[j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);
        }
        var lines = new List<(char Mark, string Text)>();
        int e = 0, a = 0;
        while (e < expected.Length || a < actual.Length)
        {
            if (e < expected.Length && a < actual.Length && expected[e] == actual[a])
            {
                lines.Add((' ', expected[e++]));
                a++;
            }
            else if (e < expected.Length && (a == actual.Length || common[e + 1, a] >= common[e, a + 1]))
                lines.Add(('-', expected[e++]));
            else
                lines.Add(('+', actual[a++]));
        }
        var shown = new List<string>();
        var last = -1;
        for (var i = 0; i < lines.Count; i++)
        {
            if (!lines.Skip(Math.Max(0, i - 2)).Take(i < 2 ? i + 3 : 5).Any(n => n.Mark != ' '))
                continue;
            if (last >= 0 && i != last + 1)
                shown.Add("…");
            shown.Add($"{lines[i].Mark} {lines[i].Text}");
            last = i;
        }
        return string.Join('\n', shown);
    }
}
