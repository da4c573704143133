using System.Net;
using System.Net.Sockets;

namespace S3AuditFlow.TestSupport;

/// <summary>
/// A TCP forwarder on 127.0.0.1 in front of a real server, that a test can cut and restore: an outage of the server
/// as its clients see it (connections refused at once), while the server keeps its data for the recovery.
/// </summary>
public sealed class SwitchableProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _open = [];
    private volatile bool _down;

    /// <summary>Forwards to <paramref name="target"/> (http://host:port).</summary>
    public SwitchableProxy(string target)
    {
        _target = new Uri(target);
        _listener.Start();
        _ = AcceptAsync();
    }

    /// <summary>http://127.0.0.1:PORT of the proxy.</summary>
    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Cuts every open connection and refuses new ones until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        _down = true;
        lock (_open)
        {
            foreach (var client in _open)
                client.Dispose();
            _open.Clear();
        }
    }

    /// <summary>Forwards again.</summary>
    public void Restore() => _down = false;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            if (_down)
            {
                client.Client.LingerState = new LingerOption(true, 0); // a reset, as from a server that is gone
                client.Dispose();
                continue;
            }
            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        using var upstream = new TcpClient();
        try
        {
            await upstream.ConnectAsync(_target.Host, _target.Port, _stop.Token);
            lock (_open)
            {
                _open.Add(client);
                _open.Add(upstream);
            }
            using var a = client.GetStream();
            using var b = upstream.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection was cut (by Cut, or by either side): nothing to forward any more.
        }
        finally
        {
            lock (_open)
            {
                _open.Remove(client);
                _open.Remove(upstream);
            }
            client.Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        Cut();
        _stop.Dispose();
    }
}
