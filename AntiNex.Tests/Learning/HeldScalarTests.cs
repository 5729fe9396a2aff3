using System.Reflection;
using System.Reflection.Emit;
using AntiNex.Learning;
using TorchSharp;
using static TorchSharp.torch;

namespace AntiNex.Tests.Learning;

/// <summary>TorchSharp 0.107 hands libtorch the handle of a Scalar and keeps nothing referencing it: a Scalar made on the
/// fly (an implicit conversion, or the alpha of 1 that a one-argument add or add_ makes itself) can be finalized, and
/// freed, while libtorch still reads it. Under GC pressure that failed trainings ("toFloat" check inside an optimizer
/// step), so the code that runs every batch names held Scalars only. Read from the compiled code: the failure itself
/// needs a collection at the wrong microsecond.</summary>
public class HeldScalarTests
{
    /// <summary>Run every training batch (the optimizers), or every predicted block (the network's forward passes and the
    /// block scaling).</summary>
    public static TheoryData<Type> EveryBatchOrBlock => new()
    {
        typeof(KeptAliveAdam), typeof(KeptAliveSgd), typeof(KeptAliveRmsProp), typeof(KeptAliveAdagrad), typeof(DenseNetwork),
        typeof(BlockScaling),
    };

    [Theory]
    [MemberData(nameof(EveryBatchOrBlock))]
    public void Hot_torch_code_hands_libtorch_no_scalar_made_on_the_fly(Type type)
    {
        var found = OnTheFlyScalars(type).ToList();
        Assert.True(found.Count == 0, $"{type.Name} calls {string.Join(", ", found)}");
    }

    /// <summary>Calls in <paramref name="type"/>'s methods (and its base types' in this assembly) that make a Scalar no
    /// caller holds: Scalar's implicit conversions, and the add/add_ overloads without an alpha.</summary>
    internal static IEnumerable<string> OnTheFlyScalars(Type type)
    {
        const BindingFlags all = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic |
                                 BindingFlags.DeclaredOnly;
        for (var t = type; t is not null && t.Assembly == type.Assembly; t = t.BaseType)
        {
            foreach (var method in t.GetMethods(all).Cast<MethodBase>().Concat(t.GetConstructors(all)))
            {
                foreach (var callee in Callees(method))
                {
                    bool implicitScalar = callee.DeclaringType == typeof(Scalar) && callee.Name == "op_Implicit";
                    bool ownAlpha = callee.DeclaringType == typeof(Tensor) && callee.Name is "add" or "add_"
                        && callee.GetParameters().Length == 1;
                    if (!implicitScalar && !ownAlpha) continue;
                    var parameters = string.Join(", ", callee.GetParameters().Select(p => p.ParameterType.Name));
                    yield return $"{callee.Name}({parameters}) in {t.Name}.{method.Name}";
                }
            }
        }
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    private static IEnumerable<MethodBase> Callees(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        for (int i = 0; i < il.Length;)
        {
            short value = il[i] == 0xFE ? (short)(0xFE00 | il[i + 1]) : il[i];
            var op = OpCodesByValue[value];
            i += op.Size;
            int operand = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, i),
                _ => 4,
            };
            if (op.OperandType == OperandType.InlineMethod)
            {
                var callee = method.Module.ResolveMethod(BitConverter.ToInt32(il, i),
                    method.DeclaringType?.GetGenericArguments(), method.IsGenericMethod ? method.GetGenericArguments() : null);
                if (callee is not null) yield return callee;
            }
            i += operand;
        }
    }
}
