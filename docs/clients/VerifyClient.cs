// Verify a kyso signature from a .NET backend (.NET 6+, System.Net.Http and System.Text.Json only).
// Run: dotnet run -- http://127.0.0.1:8089 to-khai.pdf [detached-data]
using System;
using System.IO;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json;
using System.Threading.Tasks;

public static class VerifyClient
{
    public static async Task<int> Main(string[] args)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        var request = new
        {
            document = Convert.ToBase64String(await File.ReadAllBytesAsync(args[1])),
            detached = args.Length > 2 ? Convert.ToBase64String(await File.ReadAllBytesAsync(args[2])) : null,
        };
        var options = new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
        using var response = await http.PostAsJsonAsync($"{args[0]}/verify?revocation=require", request, options);
        using var report = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        if (!response.IsSuccessStatusCode)
        {
            // 400/413/503: { "error": "NOT_DER" | "UNKNOWN_FORMAT" | "TOO_LARGE" | …, "message": "…" }
            Console.Error.WriteLine($"{(int)response.StatusCode} {report.RootElement.GetProperty("error")}: {report.RootElement.GetProperty("message")}");
            return 2;
        }
        var indication = report.RootElement.GetProperty("indication").GetString();
        foreach (var signature in report.RootElement.GetProperty("signatures").EnumerateArray())
        {
            var signer = signature.TryGetProperty("signer", out var s) ? s.GetProperty("name").GetString() : "?";
            var sub = signature.TryGetProperty("subIndication", out var si) ? $" / {si.GetString()}" : "";
            Console.WriteLine($"{signature.GetProperty("indication").GetString()}{sub}: {signer}");
        }
        return indication == "TOTAL-PASSED" ? 0 : 1;
    }
}
