using System.CommandLine;
using System.Net;
using ProxyKit.Cli.Commands;
using ProxyKit.Relay.Egress;
using ProxyKit.Relay.Listeners;

namespace ProxyKit.Cli.Tests;

public sealed class RelayCommandTests
{
    [Fact]
    public void Defaults_are_a_mixed_listener_on_loopback_1080_with_ipv6_only_egress()
    {
        var (relay, parse) = Parse("relay");

        var options = relay.CreateOptions(parse);

        options.ListenEndPoint.ShouldBe(IPEndPoint.Parse("127.0.0.1:1080"));
        options.Protocol.ShouldBe(RelayProtocol.Mixed);
        options.Egress.Policy.ShouldBe(EgressAddressPolicy.IPv6Only);
        options.Egress.Address.ShouldBeNull();
        options.Egress.RotatingPrefix.ShouldBeNull();
        options.Credentials.ShouldBeNull();
        options.Destinations.AllowPrivateNetworks.ShouldBeFalse();
    }

    [Fact]
    public void Every_option_maps_to_the_listener_options()
    {
        var (relay, parse) = Parse(
            "relay", "--listen", "[::1]:0", "--protocol", "http", "--egress-prefix", "2001:db8:1:2::/64", "--policy", "dual",
            "--user", "alice", "--password", "s3cret", "--allow-private");

        var options = relay.CreateOptions(parse);

        options.ListenEndPoint.ShouldBe(IPEndPoint.Parse("[::1]:0"));
        options.Protocol.ShouldBe(RelayProtocol.Http);
        options.Egress.RotatingPrefix.ShouldBe(IPNetwork.Parse("2001:db8:1:2::/64"));
        options.Egress.Policy.ShouldBe(EgressAddressPolicy.DualStack);
        options.Credentials.ShouldNotBeNull().Username.ShouldBe("alice");
        options.Credentials.Verify("alice", "s3cret").ShouldBeTrue();
        options.Destinations.AllowPrivateNetworks.ShouldBeTrue();
        Should.NotThrow(options.Validate);
    }

    [Theory]
    [InlineData("--egress-prefix: 2001:db8::1/64 has host bits set; did you mean 2001:db8::/64?", "--egress-prefix", "2001:db8::1/64")]
    [InlineData("--egress-prefix: 2001:db8::1/128 is a single address", "--egress-prefix", "2001:db8::1/128")]
    [InlineData("--egress 192.0.2.1 cannot reach any target under --policy ipv6-only", "--egress", "192.0.2.1")]
    [InlineData("--listen: '1080' is not ADDR:PORT", "--listen", "1080")]
    [InlineData("--listen: '::1:1080' is not ADDR:PORT", "--listen", "::1:1080")]
    [InlineData("--listen: '127.1:1080' is not ADDR:PORT", "--listen", "127.1:1080")]
    [InlineData("--user and --password must each be 1-255 bytes", "--user", "alice", "--password", "")]
    public async Task Invalid_combinations_are_usage_errors(string message, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)); // stops a relay that should not have started

        var exitCode = await CommandLineRunner.RunAsync(new RootCommand { new RelayCommand() }, ["relay", .. args], output, error, timeout.Token);

        exitCode.ShouldBe(ExitCodes.Usage, output.ToString());
        error.ToString().ShouldContain(message);
    }

    [Fact]
    public void Stats_list_failures_by_reason()
    {
        var stats = new RelayListenerStats(
            7, 0, 3, new Dictionary<RelayFailureReason, long> { [RelayFailureReason.NotAllowed] = 1, [RelayFailureReason.AuthenticationFailed] = 2 },
            1234, 5678, null, TimeSpan.FromSeconds(61.5));

        var text = RelayCommand.FormatStats(stats);

        text.ShouldContain("uptime                00:01:01.500");
        text.ShouldContain("connections accepted  7");
        text.ShouldContain("connections failed    3 (AuthenticationFailed 2, NotAllowed 1)");
        text.ShouldContain("bytes sent            1234");
        text.ShouldContain("bytes received        5678");
    }

    private static (RelayCommand Relay, ParseResult Parse) Parse(params string[] args)
    {
        var relay = new RelayCommand();
        var parse = new RootCommand { relay }.Parse(args);
        parse.Errors.ShouldBeEmpty();
        return (relay, parse);
    }
}
