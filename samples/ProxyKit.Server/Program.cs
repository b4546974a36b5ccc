using ProxyKit.Server.Accounts;
using ProxyKit.Server.Composition;
using ProxyKit.Server.Errors;
using ProxyKit.Server.ExternalSocks;
using ProxyKit.Server.Health;
using ProxyKit.Server.Pool;
using ProxyKit.Server.ProxyInstances;
using ProxyKit.Server.WireGuard;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddProxyKitServer(builder.Configuration, builder.Environment);

var app = builder.Build();
app.UseBadRequestBodyErrors();
app.UseApiToken(app.Configuration);
app.UseVpnApiKey();
app.UseIdempotencyKeys();
app.UseAuthentication();
app.UseAuthorization();
app.MapOpenApi();
app.MapHealthEndpoints();
app.MapProxyInstanceEndpoints();
app.MapAccountEndpoints();
app.MapPoolEndpoints();
app.MapLeaseEndpoints();
app.MapJudgeEndpoints();
app.MapSessionProxyEndpoints();
app.MapExternalProxyEndpoints();
app.MapVpnEndpoints();
app.Run();

/// <summary>The sample server's entry point (public for <c>WebApplicationFactory</c> tests).</summary>
public partial class Program;
