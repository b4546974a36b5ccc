using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ProxyKit.Server.Tests.Pool;

/// <summary>A loopback HTTP server publishing proxy lists for sources: <c>/list.txt</c> (50 HTTP proxies and one SOCKS5 with credentials), <c>/list.json</c>.</summary>
internal sealed class ListServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private ListServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<ListServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new ListServer(app);
        app.Use(async (context, next) =>
        {
            Interlocked.Increment(ref server._requests);
            await next(context);
        });
        app.MapGet("/list.txt", () => Results.Text(
            string.Join('\n', Enumerable.Range(1, 50).Select(i => $"10.1.0.{i}:8080").Append("socks5://user:s3cret@10.2.0.1:1080")), "text/plain"));
        app.MapGet("/list.json", () => Results.Text("""[{"ip":"10.3.0.1","port":3128,"protocol":"https"},{"ip":"10.3.0.2","port":3128}]""", "application/json"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address);
        return server;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
