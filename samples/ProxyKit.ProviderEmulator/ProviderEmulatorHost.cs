using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ProxyKit.ProviderEmulator;

/// <summary>The provider emulator running in-process on 127.0.0.1 and a free port, for tests.</summary>
public sealed class ProviderEmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ProviderEmulatorHost(WebApplication app, Uri rootUrl)
    {
        _app = app;
        RootUrl = rootUrl;
        BaseUrl = new Uri(rootUrl, EmulatorEndpoints.ApiPrefix.TrimStart('/') + "/");
        State = app.Services.GetRequiredService<EmulatorState>();
    }

    /// <summary>Gets the server's root address (the control endpoints are under <c>_emulator/</c>).</summary>
    public Uri RootUrl { get; }

    /// <summary>Gets the API's base address, <c>http://127.0.0.1:{port}/api/v1/authorized/</c>.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Gets the accepted API token.</summary>
    public string Token => State.Token;

    /// <summary>Gets the in-memory state (the control endpoints act on the same object).</summary>
    public EmulatorState State { get; }

    /// <summary>Starts an emulator with <paramref name="inventory"/> proxies generated from <paramref name="seed"/>.</summary>
    public static async Task<ProviderEmulatorHost> StartAsync(int inventory = 1000, int seed = 1, string token = "test-token", CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(2));
        var app = Build(builder, new EmulatorReset(inventory, seed, null, token));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ProviderEmulatorHost(app, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    /// <summary>Registers the emulator's services on <paramref name="builder"/>, builds the app and maps the endpoints.</summary>
    public static WebApplication Build(WebApplicationBuilder builder, EmulatorReset reset)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.PropertyNameCaseInsensitive = true;
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<EmulatorState>();
        var app = builder.Build();
        app.Services.GetRequiredService<EmulatorState>().Reset(reset);
        EmulatorEndpoints.Map(app);
        return app;
    }

    /// <summary>Resets the state (see <see cref="EmulatorState.Reset"/>).</summary>
    public Task ResetAsync(EmulatorReset reset)
    {
        State.Reset(reset);
        return Task.CompletedTask;
    }

    /// <summary>Replaces the injected faults.</summary>
    public Task SetFaultsAsync(EmulatorFaults faults)
    {
        State.SetFaults(faults);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
