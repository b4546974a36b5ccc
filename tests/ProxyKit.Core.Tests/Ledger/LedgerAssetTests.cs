using ProxyKit.Ledger;

namespace ProxyKit.Core.Tests.Ledger;

public sealed class LedgerAssetTests
{
    [Fact]
    public void WellKnownAssets_HaveStableCodes()
    {
        LedgerAsset.Credits.Code.ShouldBe("credits");
        LedgerAsset.Usd.Code.ShouldBe("usd");
        new LedgerAsset("usd").ShouldBe(LedgerAsset.Usd);
    }

    [Theory]
    [InlineData("")]
    [InlineData("USD")]
    [InlineData("a-b")]
    [InlineData("seventeen_chars_x")]
    public void Constructor_InvalidCode_Throws(string code) =>
        Should.Throw<ArgumentException>(() => new LedgerAsset(code));

    [Fact]
    public void LedgerResult_Succeeded_OnlyForSucceededStatus()
    {
        new LedgerResult(LedgerStatus.Succeeded, Guid.NewGuid(), 5).Succeeded.ShouldBeTrue();
        new LedgerResult(LedgerStatus.InsufficientFunds).Succeeded.ShouldBeFalse();
    }
}
