// The differential oracle: reads one JSON case per line on stdin and answers each with one JSON
// line on stdout, so a whole run costs one process start. Tests only; never shipped.
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Oracle;

Console.InputEncoding = new UTF8Encoding(false);
var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = false, NewLine = "\n" };
var stdin = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));
string? line;
while ((line = stdin.ReadLine()) != null)
{
    if (line.Length == 0) continue;
    JsonObject answer;
    JsonNode? id = null;
    string[] secrets = [];
    try
    {
        var c = JsonNode.Parse(line)!.AsObject();
        id = c["id"]?.DeepClone();
        secrets = c["secrets"]?.AsArray().Select(s => (string)s!).Where(s => s.Length > 0).ToArray() ?? [];
        answer = (string)c["area"]! switch
        {
            "config" => ConfigArea.Run(c),
            "reload" => ConfigArea.RunReload(c),
            "binder" => BinderArea.Run(c),
            "signalr" => SignalRArea.Run(c),
            "signalrEndpoints" => SignalRArea.RunEndpoints(c),
            "redis" => RedisArea.Run(c),
            "ping" => new JsonObject { ["ok"] = true },
            var a => throw new InvalidOperationException($"unknown area {a}"),
        };
    }
    catch (Exception e)
    {
        answer = new JsonObject { ["oracleError"] = e.GetType().Name + ": " + e.Message };
    }
    answer["id"] = id;
    var text = answer.ToJsonString(Json.Options);
    // Secret values the case declares never leave this process, even inside an exception message.
    foreach (var s in secrets.OrderByDescending(s => s.Length)) text = text.Replace(JsonEncodedText.Encode(s, Json.Options.Encoder).ToString(), "<secret>");
    stdout.WriteLine(text);
    stdout.Flush();
}

namespace Oracle
{
    static class Json
    {
        public static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        public static JsonObject Error(Exception e)
        {
            // Build() may wrap the provider's exception; report the innermost one that says what was wrong.
            var inner = e;
            while (inner is System.IO.InvalidDataException && inner.InnerException != null) inner = inner.InnerException;
            return new JsonObject { ["error"] = new JsonObject { ["type"] = inner.GetType().Name, ["message"] = inner.Message, ["inner"] = inner.InnerException?.GetType().Name } };
        }
    }
}
