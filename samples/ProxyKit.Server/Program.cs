using ProxyKit.Server.Composition;
using ProxyKit.Server.Health;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddProxyKitServer(builder.Configuration, builder.Environment);

var app = builder.Build();
app.MapOpenApi();
app.MapHealthEndpoints();
app.Run();

/// <summary>The sample server's entry point (public for <c>WebApplicationFactory</c> tests).</summary>
public partial class Program;
