// Verify a kyso signature from a .NET backend. Only System.Net.Http and DataContractJsonSerializer, both in the box of
// .NET Framework 4.5+, .NET 6+ and Mono, so it needs no NuGet package on any of them (many portals still run on
// .NET Framework, where System.Text.Json is a package).
// Run: mcs -r:System.Net.Http -r:System.Runtime.Serialization VerifyClient.cs   (csc on .NET Framework: the same)
//      mono VerifyClient.exe http://127.0.0.1:8089 to-khai.pdf
//      mono VerifyClient.exe http://127.0.0.1:8089 signature.p7s document.docx   (detached CMS)
//      (.NET 6+: add it to a console project and `dotnet run -- http://127.0.0.1:8089 to-khai.pdf`)
using System;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Runtime.Serialization;
using System.Runtime.Serialization.Json;
using System.Text;

[DataContract]
public class VerifyRequest
{
    [DataMember(Name = "document")] public string Document;
    [DataMember(Name = "detached", EmitDefaultValue = false)] public string Detached;
}

// The parts of the report this backend reads; the serializer skips the others.
// 200: { "format", "indication": "TOTAL-PASSED" | …, "signatures": [{ "indication", "subIndication"?, "signer"? }] }
// 400/413/503: { "error": "NOT_DER" | "UNKNOWN_FORMAT" | "TOO_LARGE" | …, "message": "…" }
[DataContract]
public class VerifyReport
{
    [DataMember(Name = "indication")] public string Indication;
    [DataMember(Name = "signatures")] public SignatureReport[] Signatures;
    [DataMember(Name = "error")] public string Error;
    [DataMember(Name = "message")] public string Message;
}

[DataContract]
public class SignatureReport
{
    [DataMember(Name = "indication")] public string Indication;
    [DataMember(Name = "subIndication")] public string SubIndication;
    [DataMember(Name = "signer")] public Signer Signer;
}

[DataContract]
public class Signer
{
    [DataMember(Name = "name")] public string Name;
    [DataMember(Name = "mst")] public string[] Mst;   // tax codes
    [DataMember(Name = "cccd")] public string[] Cccd; // citizen identity numbers
}

public static class VerifyClient
{
    public static int Main(string[] args)
    {
        Console.OutputEncoding = new UTF8Encoding(false); // signers' names are Vietnamese
        var request = new VerifyRequest
        {
            Document = Convert.ToBase64String(File.ReadAllBytes(args[1])),
            Detached = args.Length > 2 ? Convert.ToBase64String(File.ReadAllBytes(args[2])) : null,
        };
        using (var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) })
        using (var body = new StringContent(ToJson(request), Encoding.UTF8, "application/json"))
        using (var response = http.PostAsync(args[0] + "/verify?revocation=require", body).GetAwaiter().GetResult())
        {
            var report = FromJson<VerifyReport>(response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult());
            if (!response.IsSuccessStatusCode)
            {
                Console.Error.WriteLine((int)response.StatusCode + " " + report.Error + ": " + report.Message);
                return 2;
            }
            foreach (var signature in report.Signatures)
            {
                var sub = signature.SubIndication != null ? " / " + signature.SubIndication : "";
                var who = signature.Signer != null ? signature.Signer.Name : "?";
                var ids = signature.Signer != null
                    ? string.Join(", ", (signature.Signer.Mst ?? new string[0]).Concat(signature.Signer.Cccd ?? new string[0]))
                    : "";
                Console.WriteLine(signature.Indication + sub + ": " + who + " (" + ids + ")");
            }
            return report.Indication == "TOTAL-PASSED" ? 0 : 1;
        }
    }

    static string ToJson<T>(T value)
    {
        using (var stream = new MemoryStream())
        {
            new DataContractJsonSerializer(typeof(T)).WriteObject(stream, value);
            return Encoding.UTF8.GetString(stream.ToArray());
        }
    }

    static T FromJson<T>(byte[] json)
    {
        using (var stream = new MemoryStream(json))
        {
            return (T)new DataContractJsonSerializer(typeof(T)).ReadObject(stream);
        }
    }
}
