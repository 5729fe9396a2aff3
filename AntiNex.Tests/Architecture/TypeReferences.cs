using Mono.Cecil;
using Mono.Cecil.Cil;

namespace AntiNex.Tests.Architecture;

/// <summary>
/// What each type of a compiled assembly refers to: base type, interfaces, attributes, fields, properties, events, method
/// signatures, and the types, methods and fields its method bodies use (locals and instruction operands). Nested and
/// compiler-generated types (lambdas, async state machines) count for the namespace of their outermost type.
/// </summary>
public sealed class TypeReferences
{
    private readonly Dictionary<string, HashSet<(string From, string To)>> _byNamespace = [];

    public TypeReferences(string assemblyPath)
    {
        using var assembly = AssemblyDefinition.ReadAssembly(assemblyPath);
        foreach (var type in assembly.MainModule.Types.SelectMany(Nested))
        {
            var ns = NamespaceOf(type);
            if (ns.Length == 0) continue; // <Module>, <PrivateImplementationDetails>
            if (!_byNamespace.TryGetValue(ns, out var set)) _byNamespace[ns] = set = [];
            foreach (var reference in ReferencesOf(type).SelectMany(Flatten).Distinct())
                if (NamespaceOf(reference) is { Length: > 0 } target && target != ns)
                    set.Add((OuterName(type), $"{target}.{OuterName(reference)}"));
        }
    }

    public IReadOnlyCollection<string> Namespaces => _byNamespace.Keys;

    /// <summary>(type in <paramref name="ns"/>, referenced type in another namespace) pairs.</summary>
    public IEnumerable<(string From, string To)> From(string ns) => _byNamespace.GetValueOrDefault(ns) ?? [];

    private static IEnumerable<TypeDefinition> Nested(TypeDefinition type) => type.NestedTypes.SelectMany(Nested).Prepend(type);

    private static string NamespaceOf(TypeReference type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return type.Namespace;
    }

    private static string OuterName(TypeReference type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return type.Name;
    }

    /// <summary>Arrays, by-refs, pointers, generic instances: the element type and every generic argument.</summary>
    private static IEnumerable<TypeReference> Flatten(TypeReference? type)
    {
        switch (type)
        {
            case null or GenericParameter:
                yield break;
            case GenericInstanceType generic:
                foreach (var t in Flatten(generic.ElementType)) yield return t;
                foreach (var t in generic.GenericArguments.SelectMany(Flatten)) yield return t;
                yield break;
            case TypeSpecification specification:
                foreach (var t in Flatten(specification.ElementType)) yield return t;
                yield break;
            default:
                yield return type;
                yield break;
        }
    }

    private static IEnumerable<TypeReference?> ReferencesOf(TypeDefinition type)
    {
        yield return type.BaseType;
        foreach (var i in type.Interfaces) yield return i.InterfaceType;
        foreach (var t in Attributes(type.CustomAttributes)) yield return t;
        foreach (var t in type.GenericParameters.SelectMany(g => g.Constraints).Select(c => c.ConstraintType)) yield return t;
        foreach (var field in type.Fields)
        {
            yield return field.FieldType;
            foreach (var t in Attributes(field.CustomAttributes)) yield return t;
        }
        foreach (var property in type.Properties)
        {
            yield return property.PropertyType;
            foreach (var t in Attributes(property.CustomAttributes)) yield return t;
        }
        foreach (var e in type.Events) yield return e.EventType;
        foreach (var method in type.Methods)
            foreach (var t in ReferencesOf(method)) yield return t;
    }

    private static IEnumerable<TypeReference?> ReferencesOf(MethodDefinition method)
    {
        foreach (var t in Signature(method)) yield return t;
        foreach (var t in Attributes(method.CustomAttributes)) yield return t;
        foreach (var t in method.GenericParameters.SelectMany(g => g.Constraints).Select(c => c.ConstraintType)) yield return t;
        if (!method.HasBody) yield break;
        foreach (var local in method.Body.Variables) yield return local.VariableType;
        foreach (var handler in method.Body.ExceptionHandlers) yield return handler.CatchType;
        foreach (var instruction in method.Body.Instructions)
        {
            switch (instruction.Operand)
            {
                case TypeReference t:
                    yield return t;
                    break;
                case MethodReference m:
                    yield return m.DeclaringType;
                    foreach (var t in Signature(m)) yield return t;
                    if (m is GenericInstanceMethod g)
                        foreach (var t in g.GenericArguments) yield return t;
                    break;
                case FieldReference f:
                    yield return f.DeclaringType;
                    yield return f.FieldType;
                    break;
                case CallSite c:
                    yield return c.ReturnType;
                    foreach (var p in c.Parameters) yield return p.ParameterType;
                    break;
            }
        }
    }

    private static IEnumerable<TypeReference?> Signature(MethodReference method)
        => method.Parameters.Select(p => p.ParameterType).Prepend(method.ReturnType);

    private static IEnumerable<TypeReference?> Attributes(IEnumerable<CustomAttribute> attributes)
        => attributes.Select(a => a.AttributeType);
}
