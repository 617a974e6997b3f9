// Verify a kyso signature from a Java backend (Java 11+ java.net.http, no dependency).
// Run: java VerifyClient.java http://127.0.0.1:8089 to-khai.pdf
//      java VerifyClient.java http://127.0.0.1:8089 signature.p7s document.docx   (detached CMS)
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class VerifyClient {
    public static void main(String[] args) throws Exception {
        String service = args[0];
        Base64.Encoder b64 = Base64.getEncoder();
        String body = "{\"document\":\"" + b64.encodeToString(Files.readAllBytes(Path.of(args[1]))) + "\""
                + (args.length > 2 ? ",\"detached\":\"" + b64.encodeToString(Files.readAllBytes(Path.of(args[2]))) + "\"" : "")
                + "}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(service + "/verify?revocation=require"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        // 200: the report ({"format":…,"indication":"TOTAL-PASSED", "signatures":[{"indication":…,"signer":{"name":…}}]});
        // 400/413/503: {"error":"…","message":"…"}. Parse with the JSON library the portal already uses; without
        // one, the document's indication is the report's FIRST "indication" (each signature has its own after it).
        System.out.println(response.statusCode() + " " + response.body());
        Matcher indication = Pattern.compile("\"indication\":\"([A-Z-]+)\"").matcher(response.body());
        boolean accepted = response.statusCode() == 200 && indication.find() && indication.group(1).equals("TOTAL-PASSED");
        System.exit(accepted ? 0 : 1);
    }
}
