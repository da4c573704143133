using System.Globalization;
using System.Text;
using System.Text.Json;
using S3AuditFlow.Core.Sensitivity;

namespace S3AuditFlow.Core.Evaluation;

/// <summary>An alert as it is published: subject, message (readable text, then the JSON alert), and filterable attributes.</summary>
public sealed record AlertMessage(string Subject, string Message, string Severity, string Bucket, string EventName)
{
    /// <summary>SNS rejects subjects of 100 characters or more, and line breaks in them.</summary>
    public const int MaxSubjectLength = 99;

    /// <summary>Composes the message of a first occurrence.</summary>
    public static AlertMessage Compose(AlertCandidate candidate, int duplicates = 0)
    {
        var access = candidate.Access;
        var read = access.ReadObject;
        var subject = OneLineSubject($"[{candidate.Severity.Name().ToUpperInvariant()}] S3 {access.EventName} of {read.Key} by {access.Principal.Label}");

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Unexpected {access.EventName} of a sensitive S3 object ({candidate.Severity.Name()}).");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Object:    s3://{read}");
        if (access.CopyDestination is { } destination)
            text.AppendLine(CultureInfo.InvariantCulture, $"Copied to: s3://{destination}");
        if (candidate.AccountLabel is { } account)
            text.AppendLine(CultureInfo.InvariantCulture, $"Account:   {account}");
        text.AppendLine(CultureInfo.InvariantCulture, $"When:      {access.EventTime.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z");
        text.AppendLine(CultureInfo.InvariantCulture, $"Who:       {access.Principal.Label} ({access.Principal.Type}{(access.Principal.Arn is null ? "" : ", " + access.Principal.Arn)})");
        if (access.Principal.AccessKeyId is { } key)
            text.AppendLine(CultureInfo.InvariantCulture, $"Key:       {key}");
        text.AppendLine(CultureInfo.InvariantCulture, $"From:      {access.Source.Label}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Outcome:   {access.Outcome}");
        foreach (var reason in candidate.Reasons)
            text.AppendLine(CultureInfo.InvariantCulture, $"Why:       {reason}");
        text.AppendLine(CultureInfo.InvariantCulture, $"Event ID:  {access.EventId}");
        text.AppendLine();

        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = true }))
            AlertJson.Write(writer, candidate, duplicates);
        text.Append(Encoding.UTF8.GetString(json.ToArray()));

        return new AlertMessage(subject, text.ToString(), candidate.Severity.Name(), read.Bucket, access.EventName);
    }

    /// <summary>
    /// One line, under the SNS limit: control characters and line or paragraph separators (S3 keys may hold them)
    /// become spaces, unpaired surrogates U+FFFD, and a long subject is cut between text elements (what a reader sees
    /// as one character: a surrogate pair, an emoji sequence, a letter with its accents) and ends with "…". Cutting
    /// on UTF-16 units could split a surrogate pair, and SNS rejects a subject that is not valid text.
    /// </summary>
    public static string OneLineSubject(string text)
    {
        var line = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            var oneLine = Rune.IsControl(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;
            line.Append(oneLine ? " " : rune.ToString());
        }
        var subject = line.ToString();
        if (subject.Length <= MaxSubjectLength)
            return subject;
        // The limit is counted in UTF-16 units here: never more than the characters SNS counts, however it counts them.
        var cut = 0;
        for (var next = StringInfo.GetNextTextElementLength(subject, 0); cut + next <= MaxSubjectLength - 1; next = StringInfo.GetNextTextElementLength(subject, cut))
            cut += next;
        return subject[..cut] + "…";
    }
}
