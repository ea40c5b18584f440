namespace EtlStudio.Core.Scripts;

/// <summary>How far a date generalization truncates: 2024-05-17 becomes 2024-01-01, 2024-05-01 or stays a day.</summary>
public enum DateTruncation
{
    Year,
    Month,
    Day,
}
