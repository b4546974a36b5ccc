using System.Net;
using ProxyKit.Relay.Addressing;
using ProxyKit.Testing;
using ProxyKit.Windows.Internal;
using ProxyKit.Windows.Tests.Support;

namespace ProxyKit.Windows.Tests;

// The assigner's state machine against an in-memory IP Helper: runs on every OS.
public sealed class WindowsAddressAssignerTests
{
    private static readonly IPAddress Address = IPAddress.Parse("2001:db8:1:2::10");
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10); // real time, only so a broken wait fails instead of hanging
    private readonly ManualTimeProvider _time = new();
    private readonly FakeIpHelper _ip = new();
    private readonly NetLuid _ethernet;

    public WindowsAddressAssignerTests() => _ethernet = _ip.AddInterface("Ethernet", 0x0006_0000_0100_0000);

    [Fact]
    public void Name_IsWindows() => Assigner().Name.ShouldBe("windows");

    [Fact]
    public void Constructor_OptionsOutOfRange_Throws() =>
        Should.Throw<ArgumentException>(() => Assigner(o => o.DuplicateAddressDetectionTimeout = TimeSpan.Zero))
            .Message.ShouldContain("DuplicateAddressDetectionTimeout");

    [Fact]
    public async Task AssignAsync_DadEndsWithNotification_SucceedsWithoutTheTimer()
    {
        var pending = Assigner().AssignAsync("Ethernet", Address);
        pending.IsCompleted.ShouldBeFalse("a new address is Tentative until duplicate address detection ends");

        _ip.SetDadState(Address, NlDadState.Preferred);
        var result = await pending.AsTask().WaitAsync(Guard);

        result.ShouldBe(AddressAssignmentResult.Success);
        _ip.ActiveSubscriptions.ShouldBe(0, "the change notification is cancelled once the wait ends");
        _ip.Deleted.ShouldBeEmpty();
    }

    [Fact]
    public async Task AssignAsync_CreatesSkipAsSourceManual128WithFiniteLifetimes()
    {
        _ip.InitialDadState = NlDadState.Preferred;

        var result = await Assigner(o => o.AddressLifetime = TimeSpan.FromMinutes(3)).AssignAsync("Ethernet", Address);

        result.Succeeded.ShouldBeTrue();
        var row = _ip.Created.ShouldHaveSingleItem();
        row.Address.ToIPAddress().ShouldBe(Address);
        row.Address.Family.ShouldBe(SockAddrIn6.AfInet6);
        row.InterfaceLuid.ShouldBe(_ethernet);
        row.PrefixOrigin.ShouldBe(NlPrefixOrigin.Manual);
        row.SuffixOrigin.ShouldBe(NlSuffixOrigin.Manual);
        row.OnLinkPrefixLength.ShouldBe((byte)128);
        row.SkipAsSource.ShouldBe((byte)1);
        row.ValidLifetime.ShouldBe(180u);
        row.PreferredLifetime.ShouldBe(180u);
    }

    [Fact]
    public async Task AssignAsync_NotificationLost_TimerFallbackSeesPreferred()
    {
        var pending = Assigner().AssignAsync("Ethernet", Address);

        _ip.SetDadState(Address, NlDadState.Preferred, notify: false);
        _time.Advance(WindowsAddressAssigner.PollInterval);

        (await pending.AsTask().WaitAsync(Guard)).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public async Task AssignAsync_NotificationsUnavailable_StillSucceedsByPolling()
    {
        _ip.NotifyError = 8; // ERROR_NOT_ENOUGH_MEMORY
        var pending = Assigner().AssignAsync("Ethernet", Address);

        _ip.SetDadState(Address, NlDadState.Preferred);
        _time.Advance(WindowsAddressAssigner.PollInterval);

        (await pending.AsTask().WaitAsync(Guard)).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public async Task AssignAsync_NotificationForAnotherAddress_DoesNotReadTheState()
    {
        var pending = Assigner().AssignAsync("Ethernet", Address);
        var reads = _ip.GetCalls;

        _ip.NotifyOther("2001:db8:1:2::99");
        _ip.SetDadState(Address, NlDadState.Preferred);
        (await pending.AsTask().WaitAsync(Guard)).Succeeded.ShouldBeTrue();

        _ip.GetCalls.ShouldBe(reads + 1);
    }

    [Fact]
    public async Task AssignAsync_DeprecatedAfterDad_IsUsable()
    {
        _ip.InitialDadState = NlDadState.Deprecated;

        (await Assigner().AssignAsync("Ethernet", Address)).Succeeded.ShouldBeTrue();
    }

    [Fact]
    public async Task AssignAsync_DuplicateOnTheLink_RemovesItAndReportsDuplicateAddress()
    {
        var pending = Assigner().AssignAsync("Ethernet", Address);

        _ip.SetDadState(Address, NlDadState.Duplicate);
        var result = await pending.AsTask().WaitAsync(Guard);

        result.Error.ShouldBe(AddressAssignmentError.DuplicateAddress);
        result.Message.ShouldNotBeNull().ShouldContain("try another address");
        _ip.Deleted.ShouldBe([Address]);
        _ip.Find(Address).ShouldBeNull();
    }

    [Fact]
    public async Task AssignAsync_StaysTentative_RemovesItAtTheTimeoutAndReportsDadTimeout()
    {
        var pending = Assigner(o => o.DuplicateAddressDetectionTimeout = TimeSpan.FromSeconds(3)).AssignAsync("Ethernet", Address);

        _time.Advance(TimeSpan.FromSeconds(3) - TimeSpan.FromMilliseconds(1));
        pending.IsCompleted.ShouldBeFalse("the timeout has not passed yet");
        _time.Advance(TimeSpan.FromMilliseconds(1));
        var result = await pending.AsTask().WaitAsync(Guard);

        result.Error.ShouldBe(AddressAssignmentError.DadTimeout);
        result.Message.ShouldNotBeNull().ShouldContain("ProxyKit:Windows:DuplicateAddressDetectionTimeout");
        result.Message.ShouldNotBeNull().ShouldContain("connected");
        _ip.Deleted.ShouldBe([Address]);
        _ip.ActiveSubscriptions.ShouldBe(0);
    }

    [Fact]
    public async Task AssignAsync_PreferredJustAtTheTimeout_Succeeds()
    {
        // A timeout shorter than the poll interval: the deadline is the first wake-up, and the state read then still counts.
        var pending = Assigner(o => o.DuplicateAddressDetectionTimeout = TimeSpan.FromMilliseconds(100)).AssignAsync("Ethernet", Address);

        _ip.SetDadState(Address, NlDadState.Preferred, notify: false);
        _time.Advance(TimeSpan.FromMilliseconds(100));

        (await pending.AsTask().WaitAsync(Guard)).Succeeded.ShouldBeTrue();
        _ip.Deleted.ShouldBeEmpty();
    }

    [Fact]
    public async Task AssignAsync_CallerCancelsDuringDad_RemovesTheAddressAndThrows()
    {
        using var cancellation = new CancellationTokenSource();
        var pending = Assigner().AssignAsync("Ethernet", Address, cancellation.Token);

        await cancellation.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(pending.AsTask().WaitAsync(Guard));
        _ip.Deleted.ShouldBe([Address]);
        _ip.ActiveSubscriptions.ShouldBe(0);
    }

    [Fact]
    public async Task AssignAsync_AlreadyOnThisHost_ReportsDuplicateAddressAndLeavesItAlone()
    {
        _ip.AddRow(_ethernet, "2001:db8:1:2::10", 128, NlPrefixOrigin.Manual, NlSuffixOrigin.Manual);

        var result = await Assigner().AssignAsync("Ethernet", Address);

        result.Error.ShouldBe(AddressAssignmentError.DuplicateAddress);
        result.Message.ShouldNotBeNull().ShouldContain("already assigned");
        _ip.Deleted.ShouldBeEmpty();
    }

    [Fact]
    public async Task AssignAsync_NotAdministrator_SaysRunAsAdministrator()
    {
        _ip.CreateError = Win32Error.AccessDenied;

        var result = await Assigner().AssignAsync("Ethernet", Address);

        result.Error.ShouldBe(AddressAssignmentError.AccessDenied);
        result.Message.ShouldNotBeNull().ShouldContain("run ProxyKit as Administrator");
    }

    [Fact]
    public async Task AssignAsync_UnknownAlias_ReportsInterfaceNotFoundNamingIt()
    {
        var result = await Assigner().AssignAsync("Ethernet 7", Address);

        result.Error.ShouldBe(AddressAssignmentError.InterfaceNotFound);
        result.Message.ShouldNotBeNull().ShouldContain("'Ethernet 7'");
        result.Message.ShouldNotBeNull().ShouldContain("Get-NetAdapter");
        _ip.Created.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("Ether\0net")]
    [InlineData("Ethernet\n")]
    public async Task AssignAsync_AliasWindowsCannotHold_IsNotLookedUp(string alias)
    {
        var result = await Assigner().AssignAsync(alias, Address);

        result.Error.ShouldBe(AddressAssignmentError.InterfaceNotFound);
        _ip.AliasLookups.ShouldBeEmpty();
    }

    [Fact]
    public async Task AssignAsync_InterfaceWithoutIPv6_ReportsInterfaceNotFound()
    {
        _ip.CreateError = Win32Error.NotFound;

        var result = await Assigner().AssignAsync("Ethernet", Address);

        result.Error.ShouldBe(AddressAssignmentError.InterfaceNotFound);
        result.Message.ShouldNotBeNull().ShouldContain("Internet Protocol Version 6");
    }

    [Fact]
    public async Task AssignAsync_OtherWin32Error_FailsWithTheCode()
    {
        _ip.CreateError = 1234;

        var result = await Assigner().AssignAsync("Ethernet", Address);

        result.Error.ShouldBe(AddressAssignmentError.Failed);
        result.Message.ShouldNotBeNull().ShouldContain("Win32 error 1234");
    }

    [Fact]
    public async Task AssignAsync_IPv4Address_Throws() =>
        await Should.ThrowAsync<ArgumentException>(Assigner().AssignAsync("Ethernet", IPAddress.Parse("192.0.2.1")).AsTask());

    [Fact]
    public async Task RenewAsync_Present_SetsBothLifetimesAgainKeepingTheRest()
    {
        _ip.AddRow(_ethernet, "2001:db8:1:2::10", 128, NlPrefixOrigin.Manual, NlSuffixOrigin.Manual, skipAsSource: true, lifetime: 7);

        var result = await Assigner().RenewAsync("Ethernet", Address);

        result.Succeeded.ShouldBeTrue();
        var row = _ip.Updated.ShouldHaveSingleItem();
        row.ValidLifetime.ShouldBe(600u);
        row.PreferredLifetime.ShouldBe(600u);
        row.OnLinkPrefixLength.ShouldBe((byte)128);
        row.SkipAsSource.ShouldBe((byte)1);
        _ip.Created.ShouldBeEmpty();
    }

    [Fact]
    public async Task RenewAsync_AddressExpired_AssignsItAgain()
    {
        _ip.InitialDadState = NlDadState.Preferred;

        var result = await Assigner().RenewAsync("Ethernet", Address);

        result.Succeeded.ShouldBeTrue();
        _ip.Created.ShouldHaveSingleItem().SkipAsSource.ShouldBe((byte)1);
        _ip.Find(Address).ShouldNotBeNull();
    }

    [Fact]
    public async Task RenewAsync_NotAdministrator_ReportsAccessDenied()
    {
        _ip.AddRow(_ethernet, "2001:db8:1:2::10", 128, NlPrefixOrigin.Manual, NlSuffixOrigin.Manual, skipAsSource: true);
        _ip.SetError = Win32Error.AccessDenied;

        (await Assigner().RenewAsync("Ethernet", Address)).Error.ShouldBe(AddressAssignmentError.AccessDenied);
    }

    [Fact]
    public async Task RenewAsync_InterfaceGone_ReportsInterfaceNotFound() =>
        (await Assigner().RenewAsync("Wi-Fi", Address)).Error.ShouldBe(AddressAssignmentError.InterfaceNotFound);

    [Fact]
    public async Task UnassignAsync_Present_DeletesIt()
    {
        _ip.AddRow(_ethernet, "2001:db8:1:2::10", 128, NlPrefixOrigin.Manual, NlSuffixOrigin.Manual, skipAsSource: true);

        (await Assigner().UnassignAsync("Ethernet", Address)).Succeeded.ShouldBeTrue();

        _ip.Deleted.ShouldBe([Address]);
    }

    [Fact]
    public async Task UnassignAsync_Absent_Succeeds() =>
        (await Assigner().UnassignAsync("Ethernet", Address)).ShouldBe(AddressAssignmentResult.Success);

    [Fact]
    public async Task UnassignAsync_InterfaceGone_Succeeds() =>
        (await Assigner().UnassignAsync("Wi-Fi", Address)).ShouldBe(AddressAssignmentResult.Success);

    [Fact]
    public async Task UnassignAsync_NotAdministrator_ReportsAccessDenied()
    {
        _ip.DeleteError = Win32Error.AccessDenied;

        (await Assigner().UnassignAsync("Ethernet", Address)).Error.ShouldBe(AddressAssignmentError.AccessDenied);
    }

    private WindowsAddressAssigner Assigner(Action<WindowsOptions>? configure = null)
    {
        var options = new WindowsOptions();
        configure?.Invoke(options);
        return new WindowsAddressAssigner(_ip, options, _time);
    }
}
