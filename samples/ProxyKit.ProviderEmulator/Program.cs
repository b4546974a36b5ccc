using ProxyKit.ProviderEmulator;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddCommandLine(args, new Dictionary<string, string>
{
    ["--inventory"] = "Emulator:Inventory",
    ["--seed"] = "Emulator:Seed",
    ["--token"] = "Emulator:Token",
    ["--balance"] = "Emulator:Balance",
});
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:5123");
}

var section = builder.Configuration.GetSection("Emulator");
var app = ProviderEmulatorHost.Build(builder, new EmulatorReset(
    section.GetValue<int?>("Inventory"), section.GetValue<int?>("Seed"), section.GetValue<decimal?>("Balance"), section["Token"]));
await app.RunAsync().ConfigureAwait(false);
