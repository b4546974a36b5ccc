using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ProxyKit;
using ProxyKit.ExternalSocks;
using ProxyKit.Pool;
using ProxyKit.Samples;

// The background loops (pool scraping, checks, leases; external proxy sync and order reconciliation), without the HTTP API: run one per machine (or several) against the PostgreSQL the
// servers use; claims in the database keep them from doing the same work twice. Same configuration keys as the server.
var builder = Host.CreateApplicationBuilder(args);
var proxyKit = builder.Configuration.GetSection("ProxyKit");
string[] known = ["Storage", "Sqlite", "Postgres", "Redis", "Secrets", "Pool", "Accounts", "ExternalSocks"];
var unknown = proxyKit.GetChildren().Select(c => c.Key).Where(k => !known.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
if (unknown.Count > 0)
{
    throw new ProxyKitException(
        $"Unknown configuration section(s) {string.Join(", ", unknown.Select(k => $"ProxyKit:{k}"))}; the worker reads {string.Join(", ", known.Select(k => $"ProxyKit:{k}"))}.");
}

builder.Services.AddProxyKitInfrastructure(proxyKit, builder.Environment.ContentRootPath);
builder.Services.AddProxyKitPool(proxyKit.GetSection("Pool")).AddScrapeWorker().AddValidationWorker().AddLeaseReaper().AddPoolMonitor();
builder.Services.AddProxyKitAccounts(proxyKit.GetSection("Accounts"));
builder.Services.AddProxyKitExternalSocks(proxyKit.GetSection("ExternalSocks")).AddInventorySync().AddOrderReconciler();
builder.Build().Run();
