using System.Net;
using S3AuditFlow.Core.Events;

namespace S3AuditFlow.Core.Trust;

/// <summary>A compiled source entry: an IP, a CIDR (IPv4 or IPv6), a VPC endpoint ID or an AWS service name.</summary>
public abstract class SourcePattern
{
    /// <summary>True when the request's source is the one this entry names.</summary>
    /// <param name="ip">The source parsed once per check (<see cref="SourceAddress.Ip"/>), not once per entry.</param>
    public abstract bool Matches(SourceAddress source, IPAddress? ip);

    /// <summary>Compiles an entry value, or says why it is not one.</summary>
    public static SourcePattern? TryCreate(string value, out string? error)
    {
        error = null;
        var text = value.Trim();
        if (text == SourceAddress.AwsInternalLiteral)
            return new Literal(SourceKind.AwsInternal, text);
        if (text.StartsWith("vpce-", StringComparison.Ordinal))
        {
            if (text.Length > 5 && text[5..].All(char.IsAsciiLetterOrDigit))
                return new VpcEndpoint(text);
            error = "not a VPC endpoint ID (vpce- followed by letters and digits)";
            return null;
        }
        if (text.Contains('/', StringComparison.Ordinal))
        {
            var address = text[..text.IndexOf('/', StringComparison.Ordinal)];
            // IPNetwork.TryParse masks host bits, which would silently widen 10.0.0.1/8 to all of 10/8.
            if (SourceAddress.LooksLikeIp(address) && IPNetwork.TryParse(text, out var network)
                && IPAddress.TryParse(address, out var given) && given.Equals(network.BaseAddress))
                return new Network(network);
            error = "not a valid CIDR (address/prefix length, with no host bits set)";
            return null;
        }
        if (SourceAddress.LooksLikeIp(text) && IPAddress.TryParse(text, out var ip))
        {
            ip = ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;
            return new Network(new IPNetwork(ip, ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
        }
        if (IsServiceName(text))
            return new Literal(SourceKind.ServiceName, text);
        error = "not an IP address, CIDR, VPC endpoint ID (vpce-…), AWS service name (….amazonaws.com) or \"AWS Internal\"";
        return null;
    }

    private static bool IsServiceName(string text) =>
        text.EndsWith(".amazonaws.com", StringComparison.OrdinalIgnoreCase)
        && text.Length > ".amazonaws.com".Length
        && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-');

    private sealed class Network(IPNetwork network) : SourcePattern
    {
        public override bool Matches(SourceAddress source, IPAddress? ip) => ip is not null && network.Contains(ip);
    }

    private sealed class VpcEndpoint(string id) : SourcePattern
    {
        public override bool Matches(SourceAddress source, IPAddress? ip) => string.Equals(source.VpcEndpointId, id, StringComparison.Ordinal);
    }

    /// <summary>"AWS Internal" and service names match only when logged literally (service names case-insensitively).</summary>
    private sealed class Literal(SourceKind kind, string text) : SourcePattern
    {
        public override bool Matches(SourceAddress source, IPAddress? ip) =>
            source.Kind == kind && string.Equals(source.Value, text, StringComparison.OrdinalIgnoreCase);
    }
}
