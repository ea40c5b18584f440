using EtlStudio.Core.Pipeline;
using EtlStudio.Core.Pipeline.Steps;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EtlStudio.Tests.Pipeline;

/// <summary>
/// Issue 30: the engine walks one step for each <see cref="PipelineStep"/>, in the enum's order (WorkingTableTests sees
/// them started so); a set of steps that leaves one out, or has one twice, is refused when the engine is made.
/// </summary>
public sealed class PipelineStepsTests
{
    [Fact]
    public void An_engine_missing_a_step_or_given_one_twice_refuses_to_start()
    {
        using var dataSource = NpgsqlDataSource.Create("Host=localhost");
        var options = Options.Create(new PipelineOptions());
        IPipelineStep[] fourOfSeven = [new FieldRuleStep(), new MergeStep(), new ForeignKeyStep(), new OutboxStep()];

        var missing = Assert.Throws<InvalidOperationException>(() => new PipelineEngine(dataSource, options, fourOfSeven));
        Assert.Contains("it got FieldRules, Merge, ForeignKeys, Outbox", missing.Message);
        Assert.Throws<InvalidOperationException>(() => new PipelineEngine(dataSource, options, [.. fourOfSeven, new MergeStep()]));
    }
}
