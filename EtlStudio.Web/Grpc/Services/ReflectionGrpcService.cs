using EtlStudio.Web.Grpc.Protocol;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Reflection.V1;
using Microsoft.Extensions.Options;

namespace EtlStudio.Web.Grpc.Services;

/// <summary>
/// Server reflection, v1 and v1alpha (their messages are wire-identical, so one handler serves
/// both): a bidirectional stream answering list_services, file_by_filename and
/// file_containing_symbol, so standard tools can discover and call every service.
/// </summary>
internal sealed class ReflectionGrpcService(GrpcServiceRegistry registry, IOptions<GrpcOptions> options)
{
    public void MapTo(GrpcServiceRegistry target)
    {
        target.AddStreaming(ReflectionReflection.Descriptor.Services[0], "ServerReflectionInfo", HandleAsync);
        target.AddStreaming(V1AlphaDescriptor.Services[0], "ServerReflectionInfo", HandleAsync);
    }

    private static FileDescriptor V1AlphaDescriptor =>
#pragma warning disable CS0612, CS0618 // v1alpha is deprecated upstream; older tools still ask for it.
        global::Grpc.Reflection.V1Alpha.ReflectionReflection.Descriptor;
#pragma warning restore CS0612, CS0618

    private async Task HandleAsync(HttpContext http)
    {
        http.Response.ContentType = GrpcHeaders.ContentType;
        await http.Response.StartAsync(http.RequestAborted);
        var encoding = http.Request.Headers[GrpcHeaders.Encoding].ToString();
        try
        {
            while (await GrpcFraming.ReadMessageAsync(http.Request.BodyReader, options.Value.MaxReceiveMessageSize, encoding, http.RequestAborted) is { } payload)
            {
                var response = Answer(ServerReflectionRequest.Parser.ParseFrom(payload));
                GrpcFraming.WriteFrame(http.Response.BodyWriter, response.ToByteArray());
                await http.Response.BodyWriter.FlushAsync(http.RequestAborted);
            }
            http.Response.AppendTrailer(GrpcHeaders.Status, "0");
        }
        catch (Exception ex) when (ex is GrpcStatusException or InvalidProtocolBufferException)
        {
            var (code, message) = GrpcErrorMapping.ToStatus(ex);
            http.Response.AppendTrailer(GrpcHeaders.Status, ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture));
            http.Response.AppendTrailer(GrpcHeaders.Message, GrpcMessageEncoding.Encode(message));
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
        }
    }

    private ServerReflectionResponse Answer(ServerReflectionRequest request)
    {
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                response.ListServicesResponse = new ListServiceResponse();
                response.ListServicesResponse.Service.AddRange(registry.Services.Select(s => new ServiceResponse { Name = s.FullName }).DistinctBy(s => s.Name));
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                SetFile(response, AllFiles().FirstOrDefault(f => f.Name == request.FileByFilename), request.FileByFilename);
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                SetFile(response, AllFiles().FirstOrDefault(f => Declares(f, request.FileContainingSymbol)), request.FileContainingSymbol);
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                response.AllExtensionNumbersResponse = new ExtensionNumberResponse { BaseTypeName = request.AllExtensionNumbersOfType };
                break;
            default:
                response.ErrorResponse = new ErrorResponse { ErrorCode = (int)GrpcStatusCode.Unimplemented, ErrorMessage = "Not supported by this server." };
                break;
        }
        return response;
    }

    private static void SetFile(ServerReflectionResponse response, FileDescriptor? file, string asked)
    {
        if (file is null)
        {
            response.ErrorResponse = new ErrorResponse { ErrorCode = (int)GrpcStatusCode.NotFound, ErrorMessage = $"'{asked}' not found." };
            return;
        }
        // The file and everything it imports, so the client can build the descriptors in one round trip.
        response.FileDescriptorResponse = new FileDescriptorResponse();
        foreach (var f in WithDependencies(file)) response.FileDescriptorResponse.FileDescriptorProto.Add(f.SerializedData);
    }

    private IEnumerable<FileDescriptor> AllFiles() => registry.Services.Select(s => s.File).SelectMany(WithDependencies).Distinct();

    private static IEnumerable<FileDescriptor> WithDependencies(FileDescriptor file)
    {
        var seen = new HashSet<string>();
        var stack = new Stack<FileDescriptor>([file]);
        while (stack.Count > 0)
        {
            var f = stack.Pop();
            if (!seen.Add(f.Name)) continue;
            yield return f;
            foreach (var d in f.Dependencies) stack.Push(d);
        }
    }

    private static bool Declares(FileDescriptor file, string symbol)
    {
        var name = symbol.TrimStart('.');
        foreach (var s in file.Services)
            if (s.FullName == name || s.Methods.Any(m => $"{s.FullName}.{m.Name}" == name)) return true;
        return Messages(file.MessageTypes).Any(m => m.FullName == name || m.EnumTypes.Any(e => e.FullName == name))
               || file.EnumTypes.Any(e => e.FullName == name);
    }

    private static IEnumerable<MessageDescriptor> Messages(IEnumerable<MessageDescriptor> messages) =>
        messages.SelectMany(m => Messages(m.NestedTypes).Prepend(m));
}
