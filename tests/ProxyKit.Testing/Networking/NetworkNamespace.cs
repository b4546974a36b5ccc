using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ProxyKit.Testing.Networking;

/// <summary>
/// A second "host" for one test (root only): a network namespace joined to this one by a veth pair, each end with a
/// documentation-prefix address, and beyond it a second prefix (<see cref="RemotePrefix"/>) routed through it, as a
/// target elsewhere on the internet would be. Sockets are opened inside it from a dedicated thread that joins the namespace
/// (setns), so a test can run a target server on the far side without another process. Removed on dispose.
/// </summary>
public sealed partial class NetworkNamespace : IAsyncDisposable
{
    private const int CloneNewNet = 0x40000000;

    private NetworkNamespace(string name, string hostLink, IPNetwork prefix, IPNetwork remotePrefix)
    {
        Name = name;
        HostLink = hostLink;
        Prefix = prefix;
        RemotePrefix = remotePrefix;
    }

    public string Name { get; }

    public string HostLink { get; }

    /// <summary>The /64 shared by both ends of the link.</summary>
    public IPNetwork Prefix { get; }

    /// <summary>A /64 held by the far host only (on its lo), reached from this host through the link.</summary>
    public IPNetwork RemotePrefix { get; }

    /// <summary>An address of <see cref="RemotePrefix"/> on the far host: a target in another network.</summary>
    public IPAddress RemoteAddress => new(RemotePrefix.BaseAddress.GetAddressBytes()[..14].Concat(new byte[] { 0, 0x20 }).ToArray());

    /// <summary>This host's address on the link.</summary>
    public IPAddress HostAddress => At(1);

    /// <summary>The far host's address on the link.</summary>
    public IPAddress FarAddress => At(2);

    public static async Task<NetworkNamespace> CreateAsync()
    {
        var id = RandomNumberGenerator.GetHexString(6, lowercase: true);
        var space = new NetworkNamespace(
            $"pk-{id}",
            $"pkh{id}",
            IPNetwork.Parse($"2001:db8:e:{RandomNumberGenerator.GetInt32(1, 0xFFFF):x}::/64"),
            IPNetwork.Parse($"2001:db8:f:{RandomNumberGenerator.GetInt32(1, 0xFFFF):x}::/64"));
        try
        {
            await Ip("netns", "add", space.Name);
            await Ip("link", "add", space.HostLink, "type", "veth", "peer", "name", $"pkn{id}");
            await Ip("link", "set", $"pkn{id}", "netns", space.Name);
            await Ip("-6", "addr", "add", $"{space.HostAddress}/64", "dev", space.HostLink, "nodad");
            await Ip("link", "set", space.HostLink, "up");
            await Ip("-n", space.Name, "link", "set", "lo", "up");
            await Ip("-n", space.Name, "-6", "addr", "add", $"{space.FarAddress}/64", "dev", $"pkn{id}", "nodad");
            await Ip("-n", space.Name, "link", "set", $"pkn{id}", "up");
            await Ip("-n", space.Name, "-6", "addr", "add", $"{space.RemoteAddress}/128", "dev", "lo");
            await Ip("-6", "route", "add", space.RemotePrefix.ToString(), "via", space.FarAddress.ToString(), "dev", space.HostLink);
            return space;
        }
        catch
        {
            await space.DisposeAsync();
            throw;
        }
    }

    /// <summary>The address with host part <paramref name="suffix"/> in <see cref="Prefix"/>.</summary>
    public IPAddress At(int suffix)
    {
        var bytes = Prefix.BaseAddress.GetAddressBytes();
        bytes[14] = (byte)(suffix >> 8);
        bytes[15] = (byte)suffix;
        return new IPAddress(bytes);
    }

    /// <summary>Adds another address of the prefix to this host's end of the link (e.g. an egress address).</summary>
    public Task AddHostAddressAsync(IPAddress address) => Ip("-6", "addr", "add", $"{address}/128", "dev", HostLink, "nodad");

    /// <summary>Routes <paramref name="prefix"/> from the far host to this one (a provider routing a prefix to the host, as AnyIP needs).</summary>
    public Task RouteToHostAsync(IPNetwork prefix) => Ip("-n", Name, "-6", "route", "add", prefix.ToString(), "via", HostAddress.ToString(), "dev", $"pkn{HostLink[3..]}");

    /// <summary>Opens a listening TCP socket inside the namespace.</summary>
    public Socket ListenInside(IPEndPoint endPoint)
    {
        Socket? socket = null;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{Name}");
                if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"setns failed: errno {Marshal.GetLastPInvokeError()}");
                }

                // Sockets belong to the namespace of the thread that creates them, for their whole life.
                socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(endPoint);
                socket.Listen(16);
            }
            catch (Exception ex)
            {
                failure = ex;
                socket?.Dispose();
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? socket! : throw new InvalidOperationException("could not listen inside the namespace", failure);
    }

    public async ValueTask DisposeAsync()
    {
        await ProcessRunner.RunAsync("ip", ["link", "del", HostLink]);
        await ProcessRunner.RunAsync("ip", ["netns", "del", Name]);
    }

    private static async Task Ip(params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("ip", arguments);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)}: {result.StandardError}");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nsType);
}
