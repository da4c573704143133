using System.Text.Json;

namespace S3AuditFlow.Core.Events;

/// <summary>
/// The top-level fields of a CloudTrail record that decide whether it is a monitored S3 data event at all, read as
/// <see cref="JsonFields.Text"/> reads them (strings as-is, numbers and booleans as their JSON text, "" and "None"
/// as null). Most records of a data-event trail are decided by these alone (<see cref="CloudTrailParser.Triage"/>),
/// so scan reads them while looking for a record's end and builds no document for those records.
/// </summary>
public readonly record struct TopLevelFields(
    string? EventId, string? EventSource, string? EventName, string? EventType, string? EventCategory, string? ManagementEvent)
{
    /// <summary>The property names, in the order of the fields above.</summary>
    internal static readonly string[] Names = ["eventID", "eventSource", "eventName", "eventType", "eventCategory", "managementEvent"];

    /// <summary>The fields of a parsed record.</summary>
    internal static TopLevelFields Of(JsonElement record) => new(
        record.Text("eventID"), record.Text("eventSource"), record.Text("eventName"),
        record.Text("eventType"), record.Text("eventCategory"), record.Text("managementEvent"));

    /// <summary>The fields from their values in <see cref="Names"/> order.</summary>
    internal static TopLevelFields Of(string?[] values) => new(values[0], values[1], values[2], values[3], values[4], values[5]);
}
