using System.Reflection;
using System.Reflection.Emit;
using AntiNex.Learning;
using AntiNex.Requests;
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
    /// <summary>Run every training batch (the optimizers, the network's forward passes with their activations and batch
    /// norm, the loss), or every predicted block (the network's forward passes and the block scaling).</summary>
    public static TheoryData<Type> EveryBatchOrBlock => new()
    {
        typeof(KeptAliveAdam), typeof(KeptAliveSgd), typeof(KeptAliveRmsProp), typeof(KeptAliveAdagrad), typeof(KeptAliveAdamax),
        typeof(KeptAliveNAdam), typeof(DenseNetwork), typeof(BlockScaling), typeof(Trainer),
    };

    /// <summary>The rest of the engine's torch code: per epoch, per run, per request, or once.</summary>
    public static TheoryData<Type> EveryOtherTorchUser => new()
    {
        typeof(TrainingRun), typeof(TrainedModel), typeof(NoveltyDetector), typeof(BlockScratch), typeof(EngineWarmup),
        typeof(ManagedForward), typeof(TorchSetup), typeof(Scalars), typeof(AntiNex.Models.TrainingScheduler),
    };

    [Theory]
    [MemberData(nameof(EveryBatchOrBlock))]
    [MemberData(nameof(EveryOtherTorchUser))]
    public void Torch_code_hands_libtorch_no_scalar_made_on_the_fly(Type type)
    {
        var found = OnTheFlyScalars(type).ToList();
        Assert.True(found.Count == 0, $"{type.Name} calls {string.Join(", ", found)}");
    }

    public static TheoryData<string> RequestableOptimizers => new(Vocabulary.Optimizers);

    /// <summary>A request may name any of them, and the scan above reads only the listed types: an optimizer that hands its
    /// step to TorchSharp's (whose Scalars are made on the fly) would escape it.</summary>
    [Theory]
    [MemberData(nameof(RequestableOptimizers))]
    public void Every_requestable_optimizer_steps_with_a_scanned_type(string name)
    {
        using var gen = new Generator(1);
        using var net = new DenseNetwork(4, [new(1, "glorot_uniform", "sigmoid")], gen);
        using var stepper = Optimizers.Create(net.parameters(), name, null, 0.01);
        var scanned = EveryBatchOrBlock.Cast<object[]>().Select(row => (Type)row[0]);
        Assert.True(scanned.Contains(stepper.GetType()), $"{name} steps with {stepper.GetType().Name}, which the scan does not read");
    }

    [Fact]
    public void TorchSharp_calls_that_make_their_own_scalars_are_recognised()
    {
        // The finder reads TorchSharp's own code: these make a Scalar (an alpha, a converted double, a module's counter step)
        // and hand libtorch its handle with nothing holding it.
        string[] makers =
        [
            "Tensor.add(Tensor)", "Tensor.add_(Scalar)", "Tensor.op_Addition(Tensor, Tensor)", "Tensor.op_Multiply(Tensor, Double)",
            "Tensor.op_Subtraction(Tensor, Single)", "Tensor.op_Division(Tensor, Int32)", "Tensor.square()",
            "functional.leaky_relu(Tensor, Double, Boolean)", "functional.elu(Tensor, Double, Boolean)",
            "functional.softplus(Tensor, Double, Double)", "BatchNorm.forward(Tensor)",
        ];
        var all = typeof(Tensor).GetMethods().Concat(typeof(nn.functional).GetMethods())
            .Concat(typeof(TorchSharp.Modules.BatchNorm).GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly));
        foreach (var maker in makers)
        {
            var method = all.Single(m => Describe(m).EndsWith(maker, StringComparison.Ordinal));
            Assert.True(MakesOwnScalar(method, 0), maker);
        }
        // ...and these take the caller's Scalars only.
        Assert.False(MakesOwnScalar(typeof(Tensor).GetMethod("sub", [typeof(Tensor)])!, 0));
        Assert.False(MakesOwnScalar(typeof(Tensor).GetMethod("add", [typeof(Tensor), typeof(Scalar)])!, 0));
        Assert.False(MakesOwnScalar(typeof(Tensor).GetMethod("pow", [typeof(Scalar)])!, 0));
    }

    /// <summary>Calls in <paramref name="type"/>'s methods (its nested closures' and its base types' in this assembly) that
    /// make a Scalar no caller holds: Scalar's implicit conversions, and TorchSharp members that make Scalars themselves
    /// (read from TorchSharp's compiled code; a virtual call counts the override of the object it is called on, or when
    /// that is unknown every override in the TorchSharp types the scanned type holds in its fields).</summary>
    internal static IEnumerable<string> OnTheFlyScalars(Type type)
    {
        var held = HeldTorchTypes(type).ToList();
        for (var t = type; t is not null && t.Assembly == type.Assembly; t = t.BaseType)
        {
            foreach (var (owner, method) in MethodsWithClosures(t))
            {
                foreach (var (callee, receiver) in Calls(method))
                {
                    bool implicitScalar = callee.DeclaringType == typeof(Scalar) && callee.Name == "op_Implicit";
                    bool ownScalar = callee.DeclaringType?.Assembly == typeof(Scalar).Assembly
                        && Implementations(callee, receiver is null ? held : [receiver]).Any(m => MakesOwnScalar(m, 0));
                    if (!implicitScalar && !ownScalar) continue;
                    yield return $"{Describe(callee)} in {owner.Name}.{method.Name}";
                }
            }
        }
    }

    private const BindingFlags Declared = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public |
                                          BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    private static IEnumerable<(Type Owner, MethodBase Method)> MethodsWithClosures(Type t)
    {
        foreach (var m in t.GetMethods(Declared).Cast<MethodBase>().Concat(t.GetConstructors(Declared))) yield return (t, m);
        foreach (var nested in t.GetNestedTypes(Declared))
            foreach (var pair in MethodsWithClosures(nested)) yield return pair;
    }

    /// <summary>The TorchSharp types in <paramref name="type"/>'s fields, generic arguments included (ModuleList&lt;BatchNorm1d&gt;).</summary>
    private static IEnumerable<Type> HeldTorchTypes(Type type)
    {
        static IEnumerable<Type> Expand(Type t) => t.IsGenericType ? t.GetGenericArguments().SelectMany(Expand).Append(t) : [t];
        return type.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .SelectMany(f => Expand(f.FieldType)).Where(t => t.Assembly == typeof(Scalar).Assembly).Distinct();
    }

    /// <summary>The method itself, and for a virtual one its overrides in <paramref name="receivers"/> (or their base types).</summary>
    private static IEnumerable<MethodBase> Implementations(MethodBase callee, IReadOnlyList<Type> receivers)
    {
        yield return callee;
        if (callee is not MethodInfo { IsVirtual: true } virtualMethod) yield break;
        var root = virtualMethod.GetBaseDefinition();
        foreach (var t in receivers)
            foreach (var m in t.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
                if (m.Name == root.Name && m.GetBaseDefinition() is var b && b.MetadataToken == root.MetadataToken && b.Module == root.Module)
                    yield return m;
    }

    private static readonly Dictionary<MethodBase, bool> Makers = [];

    /// <summary>Whether a TorchSharp member makes a Scalar itself (a conversion or ToScalar), directly or through the
    /// TorchSharp members it calls (a few levels: add(Tensor) calls add(Tensor, Scalar) with an implicit alpha).</summary>
    internal static bool MakesOwnScalar(MethodBase method, int depth)
    {
        if (method.DeclaringType?.Assembly != typeof(Scalar).Assembly || depth > 3) return false;
        lock (Makers)
            if (Makers.TryGetValue(method, out var known)) return known;
        bool makes = false;
        foreach (var callee in Callees(method))
        {
            if (callee.DeclaringType == typeof(Scalar) && callee.Name == "op_Implicit"
                || callee.DeclaringType == typeof(ScalarExtensionMethods) && callee.Name == "ToScalar"
                || MakesOwnScalar(callee, depth + 1))
            {
                makes = true;
                break;
            }
        }
        lock (Makers) Makers[method] = makes;
        return makes;
    }

    private static string Describe(MethodBase m) =>
        $"{m.DeclaringType?.Name}.{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})";

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (OpCode)f.GetValue(null)!).ToDictionary(o => o.Value);

    private static IEnumerable<MethodBase> Callees(MethodBase method) => Calls(method).Select(c => c.Callee);

    /// <summary>The methods <paramref name="method"/> calls, each with the type of the object it most likely calls a virtual
    /// method on: the last field read or call result before it that is of the method's declaring type (for
    /// layers[i].forward(h), the Linear that the list's indexer returned); null when there is none.</summary>
    private static IEnumerable<(MethodBase Callee, Type? Receiver)> Calls(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray() ?? [];
        var typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var produced = new List<Type>();
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
            if (op.OperandType == OperandType.InlineField
                && method.Module.ResolveField(BitConverter.ToInt32(il, i), typeArguments, methodArguments) is { } field)
                produced.Add(field.FieldType);
            if (op.OperandType == OperandType.InlineMethod
                && method.Module.ResolveMethod(BitConverter.ToInt32(il, i), typeArguments, methodArguments) is { } callee)
            {
                var declaring = callee.DeclaringType;
                var receiver = callee.IsStatic || declaring is null ? null : produced.LastOrDefault(declaring.IsAssignableFrom);
                yield return (callee, receiver);
                if (callee is MethodInfo { ReturnType: var returned } && returned != typeof(void)) produced.Add(returned);
            }
            i += operand;
        }
    }
}
