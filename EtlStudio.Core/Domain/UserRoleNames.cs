namespace EtlStudio.Core.Domain;

/// <summary>The seed's spelling of each role, used in the database and on screen.</summary>
public static class UserRoleNames
{
    public static string ToName(this UserRole role) => role switch
    {
        UserRole.EditTask => "EDIT_TASK",
        UserRole.ManageData => "MANAGE_DATA",
        UserRole.CreateExtDatamodule => "CREATE_EXT_DATAMODULE",
        UserRole.ProcessEtlTask => "PROCESS_ETL_TASK",
        UserRole.Admin => "ADMIN",
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static UserRole Parse(string name) => name switch
    {
        "EDIT_TASK" => UserRole.EditTask,
        "MANAGE_DATA" => UserRole.ManageData,
        "CREATE_EXT_DATAMODULE" => UserRole.CreateExtDatamodule,
        "PROCESS_ETL_TASK" => UserRole.ProcessEtlTask,
        "ADMIN" => UserRole.Admin,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown role."),
    };

    public static string Describe(this UserRole role) => role switch
    {
        UserRole.EditTask => "Task editor",
        UserRole.ManageData => "Data manager",
        UserRole.CreateExtDatamodule => "Connection creator",
        UserRole.ProcessEtlTask => "Task manager",
        UserRole.Admin => "Administrator",
        _ => role.ToString(),
    };
}
