using System.Collections;
using System.Collections.Specialized;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.KeyPerFile;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace Oracle;

/// <summary>Microsoft.Extensions.Configuration with .NET's own providers, layer by layer.</summary>
static class ConfigArea
{
    public static JsonObject Run(JsonObject c)
    {
        IConfigurationRoot root;
        try
        {
            root = Build(c["layers"]!.AsArray());
        }
        catch (Exception e)
        {
            return Json.Error(e);
        }
        return Describe(root, c);
    }

    /// <summary>
    /// A JSON file loaded, then rewritten with <c>newText</c>: with <c>watch</c>, reloaded by .NET's own file watcher
    /// (<c>reloadOnChange</c>, the failure caught by a file-load exception handler); otherwise through
    /// <c>IConfigurationRoot.Reload()</c>. The answer is what the root holds afterwards.
    /// </summary>
    public static JsonObject RunReload(JsonObject c)
    {
        var path = (string)c["path"]!;
        var watch = (bool?)c["watch"] ?? false;
        Exception? failure = null;
        using var failed = new ManualResetEventSlim();
        var builder = new ConfigurationBuilder();
        builder.SetFileLoadExceptionHandler(ctx =>
        {
            failure = ctx.Exception;
            ctx.Ignore = true;
            failed.Set();
        });
        var root = builder.AddJsonFile(path, optional: false, reloadOnChange: watch).Build();
        File.WriteAllText(path, (string)c["newText"]!);
        if (watch)
        {
            if (!failed.Wait(TimeSpan.FromSeconds(30))) return new JsonObject { ["oracleError"] = "the file watcher did not reload" };
        }
        else
        {
            try
            {
                root.Reload();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }
        var entries = new JsonArray();
        foreach (var kv in root.AsEnumerable()) entries.Add(new JsonArray(kv.Key, kv.Value));
        var answer = new JsonObject { ["entries"] = entries };
        if (failure != null) answer["reloadError"] = Json.Error(failure)["error"]!.DeepClone();
        (root as IDisposable)?.Dispose();
        return answer;
    }

    public static IConfigurationRoot Build(JsonArray layers)
    {
        var builder = new ConfigurationBuilder();
        foreach (var node in layers)
        {
            var layer = node!.AsObject();
            switch ((string)layer["kind"]!)
            {
                case "json":
                    if (layer["path"] is JsonNode path) builder.AddJsonFile((string)path!, optional: false, reloadOnChange: false);
                    else builder.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes((string)layer["text"]!)));
                    break;
                case "memory":
                    builder.AddInMemoryCollection(Pairs(layer["pairs"]!));
                    break;
                case "env":
                    builder.Add(new EnvSource((string?)layer["prefix"], Pairs(layer["vars"]!)));
                    break;
                case "cmd":
                    {
                        var args = layer["args"]!.AsArray().Select(a => (string)a!).ToArray();
                        var mappings = layer["mappings"] is JsonArray m ? PairsToDictionary(m) : null;
                        builder.AddCommandLine(args, mappings);
                        break;
                    }
                case "keyPerFile":
                    {
                        var dir = (string)layer["directory"]!;
                        var optional = (bool?)layer["optional"] ?? false;
                        if (layer.ContainsKey("ignorePrefix") || layer.ContainsKey("sectionDelimiter"))
                        {
                            // The configure-action overload, as AddKeyPerFile(path, optional) sets it up.
                            builder.AddKeyPerFile(s =>
                            {
                                if (!optional || Directory.Exists(dir)) s.FileProvider = new PhysicalFileProvider(dir);
                                s.Optional = optional;
                                if (layer.ContainsKey("ignorePrefix")) s.IgnorePrefix = (string?)layer["ignorePrefix"];
                                if (layer["sectionDelimiter"] is JsonNode d) s.SectionDelimiter = (string)d!;
                            });
                        }
                        else
                        {
                            builder.AddKeyPerFile(dir, optional);
                        }
                        break;
                    }
                default:
                    throw new InvalidOperationException("unknown layer kind");
            }
        }
        return builder.Build();
    }

    static List<KeyValuePair<string, string?>> Pairs(JsonNode node) =>
        node.AsArray().Select(p => new KeyValuePair<string, string?>((string)p![0]!, (string?)p[1])).ToList();

    static Dictionary<string, string> PairsToDictionary(JsonArray node)
    {
        // A Dictionary keeps the mappings' own comparer (ordinal), so case-only duplicates reach the
        // provider's validation, as they would from a user's dictionary literal.
        var d = new Dictionary<string, string>();
        foreach (var p in node) d[(string)p![0]!] = (string)p[1]!;
        return d;
    }

    static JsonObject Describe(IConfigurationRoot root, JsonObject c)
    {
        var entries = new JsonArray();
        foreach (var kv in root.AsEnumerable()) entries.Add(new JsonArray(kv.Key, kv.Value));
        var children = new JsonArray();
        foreach (var s in c["sections"]?.AsArray() ?? [])
        {
            var path = (string)s!;
            var section = path.Length == 0 ? (IConfiguration)root : root.GetSection(path);
            var keys = new JsonArray();
            foreach (var child in section.GetChildren()) keys.Add(child.Key);
            children.Add(keys);
        }
        var lookups = new JsonArray();
        foreach (var k in c["lookups"]?.AsArray() ?? [])
        {
            var key = (string)k!;
            var section = root.GetSection(key);
            lookups.Add(new JsonObject { ["key"] = key, ["value"] = section.Value, ["exists"] = section.Exists() });
        }
        return new JsonObject { ["entries"] = entries, ["children"] = children, ["lookups"] = lookups };
    }
}

/// <summary>
/// .NET's environment provider fed a given, ordered variable list instead of the process's own,
/// through its internal <c>Load(IDictionary)</c> (what its own unit tests use).
/// </summary>
sealed class EnvSource(string? prefix, List<KeyValuePair<string, string?>> vars) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder)
    {
        var inner = prefix == null ? new EnvironmentVariablesConfigurationProvider() : new EnvironmentVariablesConfigurationProvider(prefix);
        var dict = new OrderedDictionary(StringComparer.Ordinal);
        foreach (var (k, v) in vars) dict[k] = v;
        var load = typeof(EnvironmentVariablesConfigurationProvider).GetMethod("Load", BindingFlags.NonPublic | BindingFlags.Instance, [typeof(IDictionary)])
            ?? throw new InvalidOperationException("EnvironmentVariablesConfigurationProvider.Load(IDictionary) not found");
        load.Invoke(inner, [dict]);
        return new Loaded(inner);
    }

    sealed class Loaded(IConfigurationProvider inner) : IConfigurationProvider
    {
        public bool TryGet(string key, out string? value) => inner.TryGet(key, out value);
        public void Set(string key, string? value) => inner.Set(key, value);
        public IChangeToken GetReloadToken() => inner.GetReloadToken();
        public void Load() { }
        public IEnumerable<string> GetChildKeys(IEnumerable<string> earlierKeys, string? parentPath) => inner.GetChildKeys(earlierKeys, parentPath);
    }
}
