using System.Net;
using System.Net.Sockets;

namespace S3AuditFlow.Core.Suggestions;

/// <summary>Address arithmetic for suggestions: private or public, and the smallest network covering several addresses.</summary>
public static class Networks
{
    private static readonly IPNetwork[] NotPublic =
    [
        IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.168.0.0/16"),
        IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("::1/128"),
    ];

    /// <summary>
    /// True unless the address is private (RFC 1918, shared 100.64/10, unique-local fc00::/7), loopback or
    /// link-local: an address anyone on the internet could come from.
    /// </summary>
    public static bool IsPublic(IPAddress address) => !NotPublic.Any(n => n.Contains(address));

    /// <summary>The network of <paramref name="prefix"/> bits holding the address (host bits cleared).</summary>
    public static IPNetwork Of(IPAddress address, int prefix) => new(Mask(address, prefix), prefix);

    /// <summary>The longest prefix (the smallest network) holding every address; all of one family.</summary>
    public static IPNetwork Covering(IReadOnlyList<IPAddress> addresses)
    {
        var bits = addresses[0].AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        for (var prefix = bits; prefix >= 0; prefix--)
        {
            var network = Of(addresses[0], prefix);
            if (addresses.All(network.Contains))
                return network;
        }
        return Of(addresses[0], 0);
    }

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes);
    }
}
