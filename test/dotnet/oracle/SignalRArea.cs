using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.Azure.SignalR;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Oracle;

/// <summary>Microsoft.Azure.SignalR: a connection string read into a <c>ServiceEndpoint</c>.</summary>
static class SignalRArea
{
    static readonly PropertyInfo AccessKeyProperty = typeof(ServiceEndpoint).GetProperty("AccessKey", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)!;

    public static JsonObject Run(JsonObject c)
    {
        ServiceEndpoint e;
        try
        {
            e = new ServiceEndpoint((string)c["text"]!);
        }
        catch (Exception ex)
        {
            return Json.Error(ex);
        }
        var key = AccessKeyProperty.GetValue(e);
        var credential = key?.GetType().GetProperty("TokenCredential", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)?.GetValue(key);
        return new JsonObject
        {
            ["endpoint"] = e.Endpoint,
            ["clientEndpoint"] = e.ClientEndpoint?.AbsoluteUri,
            ["serverEndpoint"] = e.ServerEndpoint?.AbsoluteUri,
            ["audienceBaseUrl"] = (string?)typeof(ServiceEndpoint).GetProperty("AudienceBaseUrl", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)?.GetValue(e),
            ["accessKeyType"] = key?.GetType().Name,
            ["credentialType"] = credential?.GetType().Name,
        };
    }

    static readonly Type ManagerInterface = typeof(ServiceEndpoint).Assembly.GetTypes().First(t => t.Name == "IServiceEndpointManager");

    /// <summary>The endpoint set the server SDK reads from configuration (its options setup and endpoint manager).</summary>
    public static JsonObject RunEndpoints(JsonObject c)
    {
        var pairs = c["pairs"]!.AsArray().Select(p => new KeyValuePair<string, string?>((string)p![0]!, (string?)p[1]));
        var config = new ConfigurationBuilder().AddInMemoryCollection(pairs).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(config);
        services.AddLogging();
        services.AddSignalR().AddAzureSignalR();
        using var provider = services.BuildServiceProvider();
        IEnumerable<ServiceEndpoint> endpoints;
        try
        {
            var manager = provider.GetRequiredService(ManagerInterface);
            var all = (System.Collections.IEnumerable)manager.GetType().GetProperty("Endpoints")!.GetValue(manager)!;
            endpoints = all.Cast<object>().Select(kv => (ServiceEndpoint)kv.GetType().GetProperty("Key")!.GetValue(kv)!).ToList();
        }
        catch (Exception e)
        {
            return Json.Error(e is TargetInvocationException { InnerException: { } inner } ? inner : e);
        }
        var list = new JsonArray();
        foreach (var e in endpoints)
            list.Add(new JsonObject { ["name"] = e.Name, ["type"] = e.EndpointType.ToString().ToLowerInvariant(), ["endpoint"] = e.Endpoint });
        return new JsonObject { ["endpoints"] = list };
    }
}
