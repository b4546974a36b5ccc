using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Server.Tests.ProxyInstances;

/// <summary>A target documentation address on lo and an AnyIP-routed instance prefix, removed on dispose.</summary>
internal sealed class DocumentationNetwork : IAsyncDisposable
{
    private DocumentationNetwork(string block)
    {
        TargetAddress = IPAddress.Parse($"{block}::20");
        InstancePrefix = $"{block}:1::/80";
    }

    public IPAddress TargetAddress { get; }

    public string InstancePrefix { get; }

    public static DocumentationNetwork Create()
    {
        var network = new DocumentationNetwork($"2001:db8:{RandomNumberGenerator.GetInt32(0x100, 0xfff):x}:{RandomNumberGenerator.GetInt32(1, 0xffff):x}");
        Ip("-6", "addr", "add", $"{network.TargetAddress}/128", "dev", "lo", "nodad");
        Ip("-6", "route", "add", "local", network.InstancePrefix, "dev", "lo");
        return network;
    }

    public ServerFactory Server(Action<IServiceCollection>? services = null)
    {
        var factory = new ServerFactory()
            .With("ProxyKit:Instances:Assigner", "None")
            .With("ProxyKit:Instances:Prefixes:lo", InstancePrefix);
        return services is null ? factory : factory.WithServices(services);
    }

    public ValueTask DisposeAsync()
    {
        Ip("-6", "route", "del", "local", InstancePrefix, "dev", "lo");
        Ip("-6", "addr", "del", $"{TargetAddress}/128", "dev", "lo");
        return ValueTask.CompletedTask;
    }

    private static void Ip(params string[] arguments)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        process.WaitForExit();
    }
}
