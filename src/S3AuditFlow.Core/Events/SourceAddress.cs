using System.Net;
using System.Text.Json.Serialization;

namespace S3AuditFlow.Core.Events;

/// <summary>What sourceIPAddress holds: CloudTrail puts far more than IP addresses there.</summary>
public enum SourceKind
{
    /// <summary>An IPv4 or IPv6 address.</summary>
    Ip,
    /// <summary>The literal "AWS Internal".</summary>
    AwsInternal,
    /// <summary>An AWS service's DNS name, e.g. athena.amazonaws.com.</summary>
    ServiceName,
    /// <summary>Empty or absent.</summary>
    Empty,
    /// <summary>Anything else, kept verbatim.</summary>
    Other,
}

/// <summary>Where a request came from: the sourceIPAddress value, the VPC endpoint and the user agent.</summary>
public sealed record SourceAddress(SourceKind Kind, string Value, string? VpcEndpointId, string? UserAgent)
{
    /// <summary>The literal CloudTrail uses for requests made inside AWS on a caller's behalf.</summary>
    public const string AwsInternalLiteral = "AWS Internal";

    /// <summary>Classifies a raw sourceIPAddress; only strings shaped like an IP reach the IP parser.</summary>
    public static SourceAddress From(string? raw, string? vpcEndpointId, string? userAgent)
    {
        var value = raw?.Trim() ?? "";
        var kind = Classify(value);
        if (kind == SourceKind.Ip)
            value = ParseIp(value)!.ToString();
        return new SourceAddress(kind, value, vpcEndpointId, userAgent);
    }

    /// <summary>The parsed address when <see cref="Kind"/> is <see cref="SourceKind.Ip"/> (IPv4-mapped IPv6 unwrapped).</summary>
    [JsonIgnore]
    public IPAddress? Ip => Kind == SourceKind.Ip ? ParseIp(Value) : null;

    /// <summary>Readable form: the value, "(empty)", plus the VPC endpoint when present.</summary>
    [JsonIgnore]
    public string Label
    {
        get
        {
            var shown = Kind == SourceKind.Empty ? "(empty)" : Value;
            return VpcEndpointId is null ? shown : shown + " via " + VpcEndpointId;
        }
    }

    private static SourceKind Classify(string value)
    {
        if (value.Length == 0)
            return SourceKind.Empty;
        if (value == AwsInternalLiteral)
            return SourceKind.AwsInternal;
        if (LooksLikeIp(value) && ParseIp(value) is not null)
            return SourceKind.Ip;
        if (value.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase) && !value.Contains(' ', StringComparison.Ordinal))
            return SourceKind.ServiceName;
        return SourceKind.Other;
    }

    /// <summary>True when the text has only the characters of a dotted-quad IPv4 or an IPv6 address.</summary>
    /// <remarks>IPAddress.TryParse accepts "1", "0x10" and names with scope IDs; we never let such text become an IP.</remarks>
    internal static bool LooksLikeIp(string value)
    {
        if (value.Contains(':', StringComparison.Ordinal))
            return value.Length <= 45 && value.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.');
        // A zero-padded octet ("010") would be read as octal by the IP parser: such text is not an address.
        return value.Count(c => c == '.') == 3 && value.All(c => char.IsAsciiDigit(c) || c == '.')
            && value.Split('.').All(octet => octet.Length is >= 1 and <= 3 && (octet.Length == 1 || octet[0] != '0'));
    }

    private static IPAddress? ParseIp(string value)
    {
        if (!IPAddress.TryParse(value, out var ip))
            return null;
        return ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
    }
}
