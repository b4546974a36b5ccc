using Microsoft.Extensions.Options;
using ProxyKit.Relay.Instances;
using ProxyKit.Windows.Internal;

namespace ProxyKit.Windows.Tests.Internal;

public sealed class InstanceAddressLifetimeValidatorTests
{
    [Theory]
    [InlineData(10, 10, true)]
    [InlineData(30, 10, true)]
    [InlineData(5, 10, false)]
    public void Validate_WindowsLifetimeMustCoverTheRenewalSchedule(int windowsMinutes, int instancesMinutes, bool valid)
    {
        var validator = new InstanceAddressLifetimeValidator(Options.Create(new WindowsOptions { AddressLifetime = TimeSpan.FromMinutes(windowsMinutes) }));

        var result = validator.Validate(null, new RelayInstanceOptions { AddressLifetime = TimeSpan.FromMinutes(instancesMinutes) });

        result.Succeeded.ShouldBe(valid);
        if (!valid)
        {
            result.FailureMessage.ShouldNotBeNull().ShouldContain("ProxyKit:Windows:AddressLifetime");
            result.FailureMessage.ShouldNotBeNull().ShouldContain("ProxyKit:Instances:AddressLifetime");
        }
    }
}
