using Microsoft.Extensions.DependencyInjection;

namespace ProxyKit.Windows.Internal;

internal sealed class WindowsBuilder(IServiceCollection services) : IWindowsBuilder
{
    public IServiceCollection Services { get; } = services;
}
