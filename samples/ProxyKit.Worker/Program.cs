using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ProxyKit;
using ProxyKit.Pool;
using ProxyKit.Samples;

// The pool's background loops, without the HTTP API: run one per machine (or several) against the PostgreSQL the
// servers use; claims in the database keep them from doing the same work twice. Same configuration keys as the server.
var builder = Host.CreateApplicationBuilder(args);
var proxyKit = builder.Configuration.GetSection("ProxyKit");
string[] known = ["Storage", "Sqlite", "Postgres", "Redis", "Secrets", "Pool"];
var unknown = proxyKit.GetChildren().Select(c => c.Key).Where(k => !known.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
if (unknown.Count > 0)
{
    throw new ProxyKitException(
        $"Unknown configuration section(s) {string.Join(", ", unknown.Select(k => $"ProxyKit:{k}"))}; the worker reads {string.Join(", ", known.Select(k => $"ProxyKit:{k}"))}.");
}

builder.Services.AddProxyKitInfrastructure(proxyKit, builder.Environment.ContentRootPath);
builder.Services.AddProxyKitPool(proxyKit.GetSection("Pool")).AddScrapeWorker().AddValidationWorker().AddLeaseReaper().AddPoolMonitor();
builder.Build().Run();
