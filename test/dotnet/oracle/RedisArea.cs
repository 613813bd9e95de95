using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using StackExchange.Redis;

namespace Oracle;

/// <summary>StackExchange.Redis <c>ConfigurationOptions.Parse</c>: what it read, never the password itself.</summary>
static class RedisArea
{
    public static JsonObject Run(JsonObject c)
    {
        ConfigurationOptions o;
        try
        {
            o = ConfigurationOptions.Parse((string)c["text"]!, (bool?)c["ignoreUnknown"] ?? false);
        }
        catch (Exception e)
        {
            return Json.Error(e);
        }
        var endpoints = new JsonArray();
        foreach (var ep in o.EndPoints)
        {
            endpoints.Add(ep switch
            {
                DnsEndPoint d => new JsonObject { ["host"] = d.Host, ["port"] = d.Port },
                IPEndPoint ip => new JsonObject { ["host"] = ip.Address.ToString(), ["port"] = ip.Port },
                UnixDomainSocketEndPoint u => new JsonObject { ["host"] = u.ToString(), ["port"] = 0, ["unix"] = true },
                _ => new JsonObject { ["other"] = ep.ToString() },
            });
        }
        return new JsonObject
        {
            ["endpoints"] = endpoints,
            ["ssl"] = o.Ssl,
            ["abortConnect"] = o.AbortOnConnectFail,
            ["hasPassword"] = o.Password != null,
            ["user"] = o.User,
            ["defaultDatabase"] = o.DefaultDatabase,
            ["connectTimeout"] = o.ConnectTimeout,
            ["syncTimeout"] = o.SyncTimeout,
            ["asyncTimeout"] = o.AsyncTimeout,
            ["allowAdmin"] = o.AllowAdmin,
            ["clientName"] = o.ClientName,
            ["sslHost"] = o.SslHost,
            ["toString"] = o.ToString(includePassword: false),
            // With the password, its value replaced here (a password never leaves this process, declared or not).
            ["toStringWithPassword"] = Regex.Replace(o.ToString(includePassword: true), "(^|,)(password|sentinelPassword)=[^,]*", "$1$2=<secret>"),
            // Options compared only where the string writes them (their defaults depend on the host).
            ["options"] = new JsonObject
            {
                ["keepAlive"] = o.KeepAlive,
                ["configCheckSeconds"] = o.ConfigCheckSeconds,
                ["connectRetry"] = o.ConnectRetry,
                ["serviceName"] = o.ServiceName,
                ["channelPrefix"] = o.ChannelPrefix is { } cp && !cp.IsNullOrEmpty ? cp.ToString() : null,
                ["resolveDns"] = o.ResolveDns,
                ["checkCertificateRevocation"] = o.CheckCertificateRevocation,
                ["highIntegrity"] = o.HighIntegrity,
                ["tiebreaker"] = o.TieBreaker,
                ["setlib"] = o.SetClientLibrary,
                ["proxy"] = o.Proxy.ToString(),
                ["version"] = o.DefaultVersion.ToString(),
                ["sslProtocols"] = o.SslProtocols is { } p ? (int)p : null,
                ["protocol"] = o.Protocol?.ToString().ToLowerInvariant(),
                ["name"] = o.ClientName,
                ["sslHost"] = o.SslHost,
                ["user"] = o.User,
                ["defaultDatabase"] = o.DefaultDatabase,
                ["allowAdmin"] = o.AllowAdmin,
                ["abortConnect"] = o.AbortOnConnectFail,
                ["ssl"] = o.Ssl,
                ["connectTimeout"] = o.ConnectTimeout,
                ["syncTimeout"] = o.SyncTimeout,
                ["asyncTimeout"] = o.AsyncTimeout,
            },
        };
    }
}
