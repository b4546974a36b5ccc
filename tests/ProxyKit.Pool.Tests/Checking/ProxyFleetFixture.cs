using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using ProxyKit.Pool.Checking;

namespace ProxyKit.Pool.Tests.Checking;

/// <summary>
/// A fleet of scripted proxies, each on its own loopback address (Linux routes all of 127/8 to lo), a loopback judge,
/// and a runner configured with 2 s per checker (short, yet safe on a loaded CI machine).
/// </summary>
public sealed class ProxyFleetFixture : IAsyncLifetime
{
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);
    private readonly List<FakeProxy> _fakes = [];
    private int _nextAddress = 10;

    public bool Available { get; private set; }

    public string SkipReason { get; private set; } = "";

    internal LoopbackJudge Judge { get; } = new();

    internal ServiceProvider Services { get; private set; } = null!;

    internal ProxyCheckRunner Runner => Services.GetRequiredService<ProxyCheckRunner>();

    internal FakeProxy Elite { get; private set; } = null!;
    internal FakeProxy Anonymous { get; private set; } = null!;
    internal FakeProxy Transparent { get; private set; } = null!;
    internal FakeProxy ConnectOnly { get; private set; } = null!;
    internal FakeProxy Socks4 { get; private set; } = null!;
    internal FakeProxy Socks5NoAuth { get; private set; } = null!;
    internal FakeProxy Socks5Auth { get; private set; } = null!;
    internal IPEndPoint Refused { get; private set; } = null!;
    internal FakeProxy Blackhole { get; private set; } = null!;
    internal FakeProxy Slow { get; private set; } = null!;
    internal FakeProxy StallMidBody { get; private set; } = null!;
    internal FakeProxy Canned { get; private set; } = null!;
    internal FakeProxy Tampering { get; private set; } = null!;
    internal FakeProxy AuthRequired { get; private set; } = null!;
    internal FakeProxy Flapping { get; private set; } = null!;

    public Task InitializeAsync()
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
            probe.Start();
            Available = true;
        }
        catch (SocketException exception)
        {
            SkipReason = $"The fleet needs loopback addresses beyond 127.0.0.1 (Linux routes 127/8 to lo); binding 127.0.0.2 failed: {exception.SocketErrorCode}.";
            return Task.CompletedTask;
        }

        Elite = Add(ip => FakeProxy.Http(ip, new FakeHttpBehaviour()));
        Anonymous = Add(ip => FakeProxy.Http(ip, new FakeHttpBehaviour { AddHeaders = _ => [("Via", "1.1 fake-proxy (squid/5.7)")] }));
        Transparent = Add(ip => FakeProxy.Http(ip, new FakeHttpBehaviour
        {
            AddHeaders = client => [("Via", "1.1 fake-proxy"), ("X-Forwarded-For", client.ToString())],
        }));
        ConnectOnly = Add(ip => FakeProxy.Http(ip, new FakeHttpBehaviour { AllowGet = false }));
        Socks4 = Add(FakeProxy.Socks4);
        Socks5NoAuth = Add(ip => FakeProxy.Socks5(ip));
        Socks5Auth = Add(ip => FakeProxy.Socks5(ip, "alice", "s3cret"));
        Blackhole = Add(FakeProxy.Blackhole);
        Slow = Add(ip => FakeProxy.Http(ip, new FakeHttpBehaviour { Delay = TimeSpan.FromMilliseconds(150) }));
        StallMidBody = Add(ip => FakeProxy.Http(ip, new FakeHttpBehaviour { StallMidBody = true }));
        Canned = Add(ip => FakeProxy.Http(ip, new FakeHttpBehaviour { CannedPage = "<html><body>Your IP: 203.0.113.9</body></html>" }));
        Tampering = Add(ip => FakeProxy.Http(ip, new FakeHttpBehaviour { TamperBody = true }));
        AuthRequired = Add(ip => FakeProxy.Http(ip, new FakeHttpBehaviour { RequiredCredentials = "bob:hunter2" }));
        Flapping = Add(FakeProxy.Flapping);

        // A closed port: bind, note the port, close.
        var closed = new TcpListener(NextAddress(), 0);
        closed.Start();
        Refused = (IPEndPoint)closed.LocalEndpoint;
        closed.Stop();

        Services = new ServiceCollection()
            .AddProxyKitPool(o =>
            {
                o.Checking.JudgeUrls = [Judge.Url];
                o.Checking.CheckTimeout = CheckTimeout;
            })
            .Services.BuildServiceProvider();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var fake in _fakes)
        {
            await fake.DisposeAsync();
        }

        if (Services is not null)
        {
            await Services.DisposeAsync();
        }

        await Judge.DisposeAsync();
    }

    internal Task<ProxyCheckReport> CheckAsync(IPEndPoint endPoint, string protocol, string? user = null, string? password = null, string? country = null) =>
        Runner.CheckAsync(new ProxyCheckTarget(endPoint, protocol, user, password, country), CancellationToken.None);

    private IPAddress NextAddress() => IPAddress.Parse($"127.0.0.{_nextAddress++}");

    private FakeProxy Add(Func<IPAddress, FakeProxy> create)
    {
        var fake = create(NextAddress());
        _fakes.Add(fake);
        return fake;
    }
}
