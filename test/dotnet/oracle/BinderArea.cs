using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace Oracle;

public class BoundNested
{
    public string? Name { get; set; } = "";
    public double Value { get; set; }
}

/// <summary>An enum as teams declare them for a mode setting.</summary>
public enum AccessMode
{
    Off,
    ReadOnly,
    ReadWrite,
}

/// <summary>The fixed typed class of the binder area; <c>test/dotnet/binder.differential.test.ts</c> holds the same shape as defaults.</summary>
public class BoundSettings
{
    public string? Str { get; set; } = "";
    public string? Maybe { get; set; }
    public double Number { get; set; }
    public long Big { get; set; }
    public bool Flag { get; set; }
    public DateTime When { get; set; } = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    public Uri? Link { get; set; } = new Uri("https://example.com/");
    public string[] Names { get; set; } = [];
    public List<double> Numbers { get; set; } = [0];
    public Dictionary<string, string> Labels { get; set; } = new();
    public BoundNested Nested { get; set; } = new();
    public List<BoundNested> Items { get; set; } = [new BoundNested()];
    public AccessMode Mode { get; set; }
    public int Count { get; set; }
    public int? Retries { get; set; }
    public bool? Enabled { get; set; }
}

/// <summary>Microsoft.Extensions.Configuration.Binder: <c>Bind(instance)</c>, optionally with ErrorOnUnknownConfiguration.</summary>
static class BinderArea
{
    public static JsonObject Run(JsonObject c)
    {
        var pairs = c["pairs"]!.AsArray().Select(p => new KeyValuePair<string, string?>((string)p![0]!, (string?)p[1]));
        var config = new ConfigurationBuilder().AddInMemoryCollection(pairs).Build();
        var target = new BoundSettings();
        try
        {
            config.GetSection("S").Bind(target, o => o.ErrorOnUnknownConfiguration = (bool?)c["strict"] ?? false);
        }
        catch (Exception e)
        {
            return Json.Error(e);
        }
        return new JsonObject { ["value"] = Describe(target) };
    }

    static JsonNode? Num(double d) => double.IsFinite(d) ? JsonValue.Create(d) : JsonValue.Create(d.ToString(CultureInfo.InvariantCulture));

    static JsonObject Nested(BoundNested n) => new() { ["Name"] = n.Name, ["Value"] = Num(n.Value) };

    static JsonObject Describe(BoundSettings s)
    {
        var labels = new JsonArray();
        foreach (var (k, v) in s.Labels) labels.Add(new JsonArray(k, v));
        return new JsonObject
        {
            ["Str"] = s.Str,
            ["Maybe"] = s.Maybe,
            ["Number"] = Num(s.Number),
            ["Big"] = s.Big.ToString(CultureInfo.InvariantCulture),
            ["Flag"] = s.Flag,
            ["When"] = s.When.Kind == DateTimeKind.Unspecified ? s.When.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "(unspecified)" : s.When.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["Link"] = s.Link == null ? null : s.Link.IsAbsoluteUri ? s.Link.AbsoluteUri : "relative:" + s.Link.OriginalString,
            ["Names"] = new JsonArray(s.Names.Select(n => (JsonNode?)JsonValue.Create(n)).ToArray()),
            ["Numbers"] = new JsonArray(s.Numbers.Select(Num).ToArray()),
            ["Labels"] = labels,
            ["Nested"] = Nested(s.Nested),
            ["Items"] = new JsonArray(s.Items.Select(i => (JsonNode?)Nested(i)).ToArray()),
            ["Mode"] = s.Mode.ToString(),
            ["Count"] = s.Count,
            ["Retries"] = s.Retries,
            ["Enabled"] = s.Enabled,
        };
    }
}
