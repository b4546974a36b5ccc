using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ProxyKit.Storage.Migrations;

/// <summary>Applies pending migrations when the host starts, before the hosted services registered after it.</summary>
/// <remarks>
/// The runner (and so the database) is resolved in <see cref="StartAsync"/>, not in the constructor, so that
/// invalid options are reported by start-up validation first, with their own message.
/// </remarks>
internal sealed class MigrationHostedService(IServiceProvider services, IOptions<StorageOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MigrateOnStartup)
        {
            await services.GetRequiredService<MigrationRunner>().RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
