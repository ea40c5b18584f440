using System.Net.Sockets;
using Npgsql;

namespace EtlStudio.Core.Pipeline.Extraction;

/// <summary>Short, secret-free descriptions of why a source failed.</summary>
internal static class SourceErrors
{
    public static string Describe(Exception ex) => ex switch
    {
        PostgresException pg => pg.MessageText,
        NpgsqlException { InnerException: SocketException s } => s.SocketErrorCode == SocketError.ConnectionRefused ? "connection refused" : s.Message,
        NpgsqlException { InnerException: TimeoutException } or TimeoutException => "timed out",
        HttpRequestException { InnerException: SocketException s } => s.SocketErrorCode == SocketError.ConnectionRefused ? "connection refused" : s.Message,
        HttpRequestException h => h.Message,
        // Connection-string parse errors can echo the string: never show them.
        ArgumentException => "the connection details are not valid",
        _ => ex.GetType().Name,
    };
}
