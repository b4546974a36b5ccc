using System.Text.Json.Serialization;

namespace ProxyKit.ExternalSocks.Provider;

internal sealed record ProxyPageDto(int Total, int Page, int PageSize, List<ProxyDto>? Proxies);

internal sealed record ProxyDto(long ProxyId, string? Country, string? CountryCode, string? City, string? Isp, int? Speed, bool Mobile, bool Hosting, int Status);

internal sealed record PurchaseDto(long CredentialsId, long ProxyId, string? Ip, int Port, string? Login, string? Password, DateTimeOffset BoughtAt, int? Status);

internal sealed record PurchasedListDto(List<PurchaseDto>? Purchased);

internal sealed record PurchasedStatusDto(long CredentialsId, long ProxyId, int Status);

internal sealed record BalanceDto(decimal Balance);

internal sealed record ErrorDto(string? Error);

/// <summary>The provider API's JSON (snake_case), source-generated.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(ProxyPageDto))]
[JsonSerializable(typeof(PurchaseDto))]
[JsonSerializable(typeof(PurchasedListDto))]
[JsonSerializable(typeof(PurchasedStatusDto))]
[JsonSerializable(typeof(BalanceDto))]
[JsonSerializable(typeof(ErrorDto))]
internal sealed partial class ProviderJsonContext : JsonSerializerContext;
