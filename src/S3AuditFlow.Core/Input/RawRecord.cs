using System.Text.Json;
using S3AuditFlow.Core.Events;

namespace S3AuditFlow.Core.Input;

/// <summary>
/// One JSON value read from an input, or the error that stood in its place. <see cref="Element"/> is valid only
/// until the reader moves on: evaluate it before asking for the next record.
/// </summary>
/// <param name="Line">1-based line where the value (or the broken value) starts.</param>
/// <param name="Ordinal">1-based position of the value in its input, errors included.</param>
public readonly record struct RawRecord(JsonElement Element, long Line, long Ordinal, string? Error)
{
    /// <summary>True when this stands for input that could not be read.</summary>
    public bool IsError => Error is not null;

    /// <summary>
    /// The parse result its top-level fields alone gave (ignored or not-monitored), when the reader was given a
    /// triage and it decided the record; then <see cref="Element"/> is default: no document was built.
    /// </summary>
    public ParseResult? Triaged { get; init; }
}
