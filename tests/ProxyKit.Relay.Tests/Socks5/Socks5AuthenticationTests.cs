using System.Net;
using ProxyKit.Relay.Listeners;
using ProxyKit.Relay.Tests.Support;

namespace ProxyKit.Relay.Tests.Socks5;

public sealed class Socks5AuthenticationTests
{
    private static readonly RelayCredentials Alice = new("alice", "s3cret");

    [Fact]
    public async Task UsernamePassword_Correct_AcceptedAndTunnels()
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Credentials = Alice);
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(Socks5Client.Greeting(0x00, 0x02));
        (await Socks5Client.ReadMethodChoiceAsync(socket)).ShouldBe(new byte[] { 0x05, 0x02 }, "credentials are required, so username/password is chosen over no-auth");
        await socket.SendAllAsync(Socks5Client.Credentials("alice", "s3cret"));
        (await socket.ReceiveExactAsync(2)).ShouldBe(new byte[] { 0x01, 0x00 });
        await socket.SendAllAsync(Socks5Client.Request(Socks5Client.Connect, echo.EndPoint));
        (await Socks5Client.ReadReplyAsync(socket)).Code.ShouldBe((byte)0x00);
        await socket.SendAllAsync("hi"u8.ToArray());
        (await socket.ReceiveExactAsync(2)).ShouldBe("hi"u8.ToArray());
    }

    [Theory]
    [InlineData("alice", "wrong")]
    [InlineData("mallory", "s3cret")]
    [InlineData("alice", "s3cret ")]
    [InlineData("ALICE", "s3cret")]
    public async Task UsernamePassword_Wrong_Status01ThenClosed(string user, string password)
    {
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o => o.Credentials = Alice);
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(Socks5Client.Greeting(0x02));
        (await Socks5Client.ReadMethodChoiceAsync(socket)).ShouldBe(new byte[] { 0x05, 0x02 });
        await socket.SendAllAsync(Socks5Client.Credentials(user, password));

        (await socket.ReceiveExactAsync(2)).ShouldBe(new byte[] { 0x01, 0x01 });
        (await socket.ReceiveUntilClosedAsync()).Data.ShouldBeEmpty();
        await relay.WaitForFailureAsync(RelayFailureReason.AuthenticationFailed);
        await relay.WaitForNoActiveConnectionsAsync();
        echo.Remotes.ShouldBeEmpty();
    }

    [Fact]
    public async Task CredentialsRequired_ClientOffersOnlyNoAuth_NoAcceptableMethodsThenClosed()
    {
        await using var relay = TestRelay.Start(o => o.Credentials = Alice);
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(Socks5Client.Greeting(0x00));

        (await Socks5Client.ReadMethodChoiceAsync(socket)).ShouldBe(new byte[] { 0x05, 0xFF });
        (await socket.ReceiveUntilClosedAsync()).Data.ShouldBeEmpty();
        await relay.WaitForFailureAsync(RelayFailureReason.AuthenticationFailed);
        await relay.WaitForNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task NoCredentials_ClientOffersOnlyUsernamePassword_NoAcceptableMethodsThenClosed()
    {
        await using var relay = TestRelay.Start();
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(Socks5Client.Greeting(0x02, 0x01));

        (await Socks5Client.ReadMethodChoiceAsync(socket)).ShouldBe(new byte[] { 0x05, 0xFF });
        (await socket.ReceiveUntilClosedAsync()).Data.ShouldBeEmpty();
        await relay.WaitForFailureAsync(RelayFailureReason.AuthenticationFailed);
    }

    [Fact]
    public async Task NoCredentials_ClientOffersBoth_NoAuthChosen()
    {
        await using var relay = TestRelay.Start();
        using var socket = await relay.ConnectAsync();

        await socket.SendAllAsync(Socks5Client.Greeting(0x02, 0x00));

        (await Socks5Client.ReadMethodChoiceAsync(socket)).ShouldBe(new byte[] { 0x05, 0x00 });
    }

    [Fact]
    public async Task UsernamePassword_WrongSubnegotiationVersion_ClosedAndCounted()
    {
        await using var relay = TestRelay.Start(o => o.Credentials = Alice);
        using var socket = await relay.ConnectAsync();
        await socket.SendAllAsync(Socks5Client.Greeting(0x02));
        (await Socks5Client.ReadMethodChoiceAsync(socket)).ShouldBe(new byte[] { 0x05, 0x02 });

        await socket.SendAllAsync((byte[])[0x05, 0x05, .. "alice"u8, 0x06, .. "s3cret"u8]);

        var rest = await socket.ReceiveUntilClosedAsync();
        rest.Data.ShouldNotContain((byte)0x00, "whatever comes back, it must not be a success status");
        await relay.WaitForFailureAsync(RelayFailureReason.BadHandshake);
        await relay.WaitForNoActiveConnectionsAsync();
    }

    [Fact]
    public async Task UsernamePassword_TruncatedThenClientCloses_ClosedAndCounted()
    {
        await using var relay = TestRelay.Start(o => o.Credentials = Alice);
        using var socket = await relay.ConnectAsync();
        await socket.SendAllAsync(Socks5Client.Greeting(0x02));
        (await Socks5Client.ReadMethodChoiceAsync(socket)).ShouldBe(new byte[] { 0x05, 0x02 });

        await socket.SendAllAsync((byte[])[0x01, 0x05, .. "ali"u8]);
        socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);

        var rest = await socket.ReceiveUntilClosedAsync();
        rest.Data.ShouldNotBe(new byte[] { 0x01, 0x00 });
        await relay.WaitForNoActiveConnectionsAsync();
        (relay.Failures(RelayFailureReason.BadHandshake) + relay.Failures(RelayFailureReason.AuthenticationFailed)).ShouldBe(1);
    }

    [Fact]
    public async Task UsernamePassword_MaximumLengthCredentials_AcceptedAtMinimumHandshakeBytes()
    {
        // RFC 1929 allows 255-byte names and passwords (a 513-byte message): the smallest handshake cap the options
        // accept must still let them authenticate, and a cap below it is refused up front.
        var user = new string('u', 255);
        var password = new string('p', 255);
        Should.Throw<ArgumentOutOfRangeException>(() => new RelayListenerOptions { Credentials = new RelayCredentials(user, password), MaxHandshakeBytes = 1023 }.Validate());
        await using var echo = TcpTestServer.Echo(IPAddress.Loopback);
        await using var relay = TestRelay.Start(o =>
        {
            o.Credentials = new RelayCredentials(user, password);
            o.MaxHandshakeBytes = 1024;
        });
        using var socket = await relay.ConnectAsync();
        await socket.SendAllAsync(Socks5Client.Greeting(0x02));
        (await Socks5Client.ReadMethodChoiceAsync(socket)).ShouldBe(new byte[] { 0x05, 0x02 });

        await socket.SendAllAsync(Socks5Client.Credentials(user, password)); // 513 bytes

        (await socket.ReceiveExactAsync(2)).ShouldBe(new byte[] { 0x01, 0x00 }, "valid RFC 1929 credentials the options accepted must authenticate");
    }
}
