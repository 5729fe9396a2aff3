using System.Reflection;

namespace AntiNex.Tests.Architecture;

/// <summary>One suffix for test classes: every class holding xunit tests is named *Tests.</summary>
public sealed class TestNamingTests
{
    [Fact]
    public void Every_test_class_is_named_Tests()
    {
        var misnamed = typeof(TestNamingTests).Assembly.GetTypes()
            .Where(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Any(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any()))
            .Where(t => !t.Name.EndsWith("Tests", StringComparison.Ordinal))
            .Select(t => t.FullName)
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.True(misnamed.Count == 0, "test classes not named *Tests: " + string.Join(", ", misnamed));
    }
}
