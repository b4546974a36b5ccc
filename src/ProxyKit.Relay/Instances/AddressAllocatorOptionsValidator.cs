using Microsoft.Extensions.Options;

namespace ProxyKit.Relay.Instances;

internal sealed class AddressAllocatorOptionsValidator : IValidateOptions<AddressAllocatorOptions>
{
    public ValidateOptionsResult Validate(string? name, AddressAllocatorOptions options) =>
        options.Quarantine < TimeSpan.Zero || options.Quarantine > TimeSpan.FromDays(3650)
            ? ValidateOptionsResult.Fail($"AddressAllocatorOptions.Quarantine must be between 0 and 10 years (was {options.Quarantine}).")
            : ValidateOptionsResult.Success;
}
