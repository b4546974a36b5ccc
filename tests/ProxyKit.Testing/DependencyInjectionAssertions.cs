using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ProxyKit.Testing;

/// <summary>The DI wiring checks every package's <c>AddProxyKitXxx</c> passes.</summary>
public static class DependencyInjectionAssertions
{
    /// <summary>Asserts that calling <paramref name="add"/> twice registers exactly what calling it once does.</summary>
    public static void AddingTwiceRegistersOnce(Action<IServiceCollection> add)
    {
        ArgumentNullException.ThrowIfNull(add);
        var once = new ServiceCollection();
        add(once);
        var twice = new ServiceCollection();
        add(twice);
        add(twice);

        Describe(twice).ShouldBe(Describe(once), ignoreOrder: true, "a second call must not register anything again");
    }

    /// <summary>
    /// Asserts that a host configured by <paramref name="configure"/> fails to start with <typeparamref name="TException"/>
    /// whose message, or the message of an exception it wraps (what a host prints), contains <paramref name="expectedInMessage"/>.
    /// </summary>
    public static async Task StartFailsAsync<TException>(Action<IServiceCollection> configure, string expectedInMessage)
        where TException : Exception
    {
        ArgumentNullException.ThrowIfNull(configure);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        configure(builder.Services);
        using var host = builder.Build();

        var error = await Should.ThrowAsync<TException>(() => host.StartAsync());

        var messages = new List<string>();
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
        }

        string.Join(" | ", messages).ShouldContain(expectedInMessage);
    }

    private static List<string> Describe(IServiceCollection services) =>
        services.Select(d => $"{d.ServiceType.FullName}|{d.Lifetime}|{d.ImplementationType?.FullName}|{d.ImplementationInstance?.GetType().FullName}|{d.ImplementationFactory is not null}").ToList();
}
