using System.Text;
using System.Text.Json;

namespace S3AuditFlow.Functions.Runtime;

/// <summary>
/// An exception as the Lambda Runtime API, X-Ray and our log want it: the error document
/// (<c>errorMessage</c>, <c>errorType</c>, <c>stackTrace</c>, inner exceptions as <c>cause</c>, as the managed .NET
/// runtime writes it), the <c>Lambda-Runtime-Function-XRay-Error-Cause</c> header value, and one JSON log line.
/// Only the exception is written, never the event: an event holds principals and IPs.
/// </summary>
public sealed class RuntimeError(string errorType, Exception exception)
{
    /// <summary>Inner exceptions followed (as <c>cause</c>) at most; deeper ones are left out.</summary>
    public const int MaxDepth = 5;

    /// <summary>Stack frames kept per exception in the X-Ray header, which Lambda limits in size.</summary>
    public const int MaxXRayFrames = 32;

    /// <summary>What Step Functions matches Retry and Catch on.</summary>
    public string ErrorType { get; } = errorType;

    /// <summary>What was thrown.</summary>
    public Exception Exception { get; } = exception;

    /// <summary>The body of POST …/error: the error document with the stack.</summary>
    public byte[] ToBody() => Write(writer => WriteDocument(writer, ErrorType, Exception, 0));

    /// <summary>
    /// The X-Ray error cause (working_directory, exceptions with type, message and stack, paths). JSON escapes every
    /// non-ASCII and control character, so the value is a valid one-line header.
    /// </summary>
    public string ToXRayCause() => Encoding.ASCII.GetString(Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("working_directory", Environment.CurrentDirectory);
        writer.WriteStartArray("exceptions");
        var depth = 0;
        for (var e = Exception; e is not null && depth < MaxDepth; e = e.InnerException, depth++)
        {
            writer.WriteStartObject();
            writer.WriteString("type", depth == 0 ? ErrorType : e.GetType().Name);
            writer.WriteString("message", Clean(Truncate(e.Message, 1024)));
            writer.WriteStartArray("stack");
            foreach (var frame in Frames(e).Take(MaxXRayFrames))
            {
                writer.WriteStartObject();
                var (label, path, line) = Parse(frame);
                writer.WriteString("label", Clean(label));
                if (path is not null)
                    writer.WriteString("path", Clean(path));
                if (line is not null)
                    writer.WriteNumber("line", line.Value);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("paths");
        writer.WriteEndArray();
        writer.WriteEndObject();
    }));

    /// <summary>One JSON line for the function's log (stderr): level, request, error type, exception type, message, stack.</summary>
    public string ToLogLine(string? requestId) => Encoding.UTF8.GetString(Write(writer =>
    {
        writer.WriteStartObject();
        writer.WriteString("level", "ERROR");
        writer.WriteString("requestId", requestId);
        writer.WriteString("errorType", ErrorType);
        writer.WriteString("exceptionType", Exception.GetType().FullName);
        writer.WriteString("message", Clean(Exception.Message));
        WriteStack(writer, Exception);
        WriteCause(writer, Exception, 0);
        writer.WriteEndObject();
    }));

    /// <summary>The stack of <paramref name="e"/>, one frame a line ("at Type.Method(…) in file:line N").</summary>
    public static IReadOnlyList<string> Frames(Exception e) =>
        (e.StackTrace ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static void WriteDocument(Utf8JsonWriter writer, string type, Exception e, int depth)
    {
        writer.WriteStartObject();
        writer.WriteString("errorMessage", Clean(e.Message));
        writer.WriteString("errorType", type);
        WriteStack(writer, e);
        WriteCause(writer, e, depth);
        writer.WriteEndObject();
    }

    private static void WriteStack(Utf8JsonWriter writer, Exception e)
    {
        writer.WriteStartArray("stackTrace");
        foreach (var frame in Frames(e))
            writer.WriteStringValue(Clean(frame));
        writer.WriteEndArray();
    }

    private static void WriteCause(Utf8JsonWriter writer, Exception e, int depth)
    {
        if (e.InnerException is not { } inner || depth + 1 >= MaxDepth)
            return;
        writer.WritePropertyName("cause");
        WriteDocument(writer, inner.GetType().Name, inner, depth + 1);
    }

    /// <summary>"at A.B(C c) in /src/x.cs:line 12" → (A.B(C c), /src/x.cs, 12); frames without a file keep only the label.</summary>
    private static (string Label, string? Path, int? Line) Parse(string frame)
    {
        var text = frame.StartsWith("at ", StringComparison.Ordinal) ? frame[3..] : frame;
        var at = text.LastIndexOf(" in ", StringComparison.Ordinal);
        if (at < 0)
            return (text, null, null);
        var location = text[(at + 4)..];
        var colon = location.LastIndexOf(":line ", StringComparison.Ordinal);
        return colon >= 0 && int.TryParse(location[(colon + 6)..], System.Globalization.CultureInfo.InvariantCulture, out var line)
            ? (text[..at], location[..colon], line)
            : (text[..at], location, null);
    }

    /// <summary>
    /// Lone surrogates (a message may quote a malformed event field) replaced by U+FFFD: the JSON writer refuses
    /// them, and reporting an error must not fail.
    /// </summary>
    public static string Clean(string text)
    {
        StringBuilder? clean = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var paired = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            if (paired)
            {
                clean?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
            {
                clean ??= new StringBuilder(text, 0, i, text.Length);
                clean.Append('\uFFFD');
                continue;
            }
            clean?.Append(c);
        }
        return clean?.ToString() ?? text;
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    private static byte[] Write(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
            write(writer);
        return buffer.ToArray();
    }
}
