namespace EtlStudio.Core.Domain;

/// <summary>Roles of the seed contract (<c>UserRole</c>) plus <see cref="Admin"/>. Stored by their seed names.</summary>
public enum UserRole
{
    EditTask,
    ManageData,
    CreateExtDatamodule,
    ProcessEtlTask,
    Admin,
}
