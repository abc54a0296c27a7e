using System.Buffers.Binary;
using Google.Protobuf;
using Inspection.ModelTools.Onnx.Proto;

namespace Inspection.ModelTools.Onnx;

/// <summary>
/// Writes an ONNX model (IR version 8, default-domain opset 17) from code: inputs, outputs, initializers,
/// nodes and metadata. Mistakes a runtime would only report as an opaque load failure (a duplicate name,
/// data that does not fill its shape, a node reading a value nothing produces) fail here with a message
/// that names the value. The output is deterministic: the same calls give the same bytes.
/// </summary>
/// <example>
/// <code>
/// var bytes = new OnnxGraphBuilder("relu")
///     .AddInput("x", 1, 3)
///     .AddOutput("y", 1, 3)
///     .AddNode("Relu", ["x"], ["y"])
///     .ToBytes();
/// </code>
/// </example>
public sealed class OnnxGraphBuilder
{
    /// <summary>ONNX IR version written into every model (ONNX 1.13+, ONNX Runtime 1.14+).</summary>
    public const long IrVersion = 8;

    /// <summary>Operator set of the default domain every model imports.</summary>
    public const long OpsetVersion = 17;

    /// <summary>Written as <c>producer_name</c>.</summary>
    public const string ProducerName = "Inspection.ModelTools";

    private readonly GraphProto _graph;
    private readonly List<StringStringEntryProto> _metadata = [];
    private readonly HashSet<string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _outputs = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodeNames = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _opCounts = new(StringComparer.Ordinal);

    /// <param name="graphName">Name of the graph (shown by model viewers).</param>
    public OnnxGraphBuilder(string graphName = "main")
    {
        _graph = new GraphProto { Name = CheckName(graphName, "graph") };
    }

    /// <summary>Written as <c>doc_string</c> of the model; empty by default.</summary>
    public string DocString { get; set; } = string.Empty;

    /// <summary>Written as <c>producer_version</c>; empty by default.</summary>
    public string ProducerVersion { get; set; } = string.Empty;

    /// <summary>Written as <c>model_version</c>; 0 by default.</summary>
    public long ModelVersion { get; set; }

    /// <summary>Adds a float32 graph input. A dimension of -1 is symbolic (named <c>{name}_{axis}</c>).</summary>
    public OnnxGraphBuilder AddInput(string name, params long[] dims) =>
        AddInput(name, TensorProto.Types.DataType.Float, dims);

    /// <summary>Adds a graph input of the given element type. A dimension of -1 is symbolic.</summary>
    public OnnxGraphBuilder AddInput(string name, TensorProto.Types.DataType elementType, params long[] dims)
    {
        var info = ValueInfo(name, elementType, dims, "input");
        Declare(info.Name, "input");
        _graph.Input.Add(info);
        return this;
    }

    /// <summary>Adds a float32 graph output; a node must produce it. A dimension of -1 is symbolic.</summary>
    public OnnxGraphBuilder AddOutput(string name, params long[] dims) =>
        AddOutput(name, TensorProto.Types.DataType.Float, dims);

    /// <summary>Adds a graph output of the given element type; a node must produce it.</summary>
    public OnnxGraphBuilder AddOutput(string name, TensorProto.Types.DataType elementType, params long[] dims)
    {
        var info = ValueInfo(name, elementType, dims, "output");
        if (!_outputs.Add(info.Name))
        {
            throw new ArgumentException($"The graph already has an output named '{name}'.", nameof(name));
        }

        _graph.Output.Add(info);
        return this;
    }

    /// <summary>Adds a constant float32 tensor (weights, biases, grids), stored little-endian in <c>raw_data</c>.</summary>
    public OnnxGraphBuilder AddInitializer(string name, float[] data, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(data);
        var bytes = new byte[checked(data.Length * sizeof(float))];
        for (var i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), data[i]);
        }

        return AddInitializer(name, TensorProto.Types.DataType.Float, data.Length, bytes, dims);
    }

    /// <summary>Adds a constant int64 tensor (shapes, axes), stored little-endian in <c>raw_data</c>.</summary>
    public OnnxGraphBuilder AddInitializer(string name, long[] data, params long[] dims)
    {
        ArgumentNullException.ThrowIfNull(data);
        var bytes = new byte[checked(data.Length * sizeof(long))];
        for (var i = 0; i < data.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(i * sizeof(long)), data[i]);
        }

        return AddInitializer(name, TensorProto.Types.DataType.Int64, data.Length, bytes, dims);
    }

    /// <summary>
    /// Adds a node of the default domain. Every non-empty input must already be a graph input, an
    /// initializer or an earlier node's output (the graph is written in topological order); an empty
    /// input name means an omitted optional input. The node is named <c>{opType}_{n}</c>.
    /// </summary>
    public OnnxGraphBuilder AddNode(string opType, string[] inputs, string[] outputs, params OnnxAttribute[] attributes)
    {
        CheckName(opType, "operator");
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(attributes);
        if (outputs.Length == 0)
        {
            throw new ArgumentException($"The {opType} node must produce at least one output.", nameof(outputs));
        }

        foreach (var input in inputs)
        {
            if (input is null)
            {
                throw new ArgumentException($"The {opType} node has a null input name; use \"\" to omit an optional input.", nameof(inputs));
            }

            if (input.Length > 0 && !_values.Contains(input))
            {
                throw new ArgumentException(
                    $"The {opType} node reads '{input}', which is not a graph input, an initializer or the output of an earlier node.",
                    nameof(inputs));
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var attribute in attributes)
        {
            ArgumentNullException.ThrowIfNull(attribute, nameof(attributes));
            if (!seen.Add(attribute.Name))
            {
                throw new ArgumentException($"The {opType} node sets attribute '{attribute.Name}' twice.", nameof(attributes));
            }
        }

        foreach (var output in outputs)
        {
            Declare(CheckName(output, $"{opType} output"), $"{opType} output");
        }

        var count = _opCounts.GetValueOrDefault(opType);
        string nodeName;
        do
        {
            nodeName = $"{opType}_{count++}";
        }
        while (!_nodeNames.Add(nodeName));

        _opCounts[opType] = count;
        var node = new NodeProto { OpType = opType, Name = nodeName, Input = { inputs }, Output = { outputs } };
        foreach (var attribute in attributes)
        {
            node.Attribute.Add(attribute.Proto.Clone());
        }

        _graph.Node.Add(node);
        return this;
    }

    /// <summary>Adds a model metadata property (ONNX Runtime exposes them as custom metadata). Keys are unique.</summary>
    public OnnxGraphBuilder AddMetadata(string key, string value)
    {
        CheckName(key, "metadata key");
        ArgumentNullException.ThrowIfNull(value);
        if (_metadata.Exists(entry => entry.Key == key))
        {
            throw new ArgumentException($"The model already has a metadata property '{key}'.", nameof(key));
        }

        _metadata.Add(new StringStringEntryProto { Key = key, Value = value });
        return this;
    }

    /// <summary>Returns the model; fails if an output is declared that no node produces, or nothing is output.</summary>
    public ModelProto Build()
    {
        if (_graph.Output.Count == 0)
        {
            throw new InvalidOperationException($"The graph '{_graph.Name}' has no outputs; add one with AddOutput.");
        }

        foreach (var output in _graph.Output)
        {
            if (!_values.Contains(output.Name))
            {
                throw new InvalidOperationException(
                    $"The graph output '{output.Name}' is not produced by any node, input or initializer.");
            }
        }

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = ProducerName,
            ProducerVersion = ProducerVersion,
            ModelVersion = ModelVersion,
            DocString = DocString,
            Graph = _graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
        model.MetadataProps.AddRange(_metadata.Select(entry => entry.Clone()));
        return model;
    }

    /// <summary>The serialized model.</summary>
    public byte[] ToBytes() => Build().ToByteArray();

    /// <summary>
    /// Writes the model to <paramref name="path"/>, creating the folder. The file is written beside the
    /// target and moved into place, so a reader never sees half a model.
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var bytes = ToBytes();
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var temp = full + ".tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, full, overwrite: true);
    }

    private OnnxGraphBuilder AddInitializer(string name, TensorProto.Types.DataType type, int count, byte[] bytes, long[] dims)
    {
        CheckName(name, "initializer");
        ArgumentNullException.ThrowIfNull(dims);
        long expected = 1;
        foreach (var dim in dims)
        {
            if (dim < 0)
            {
                throw new ArgumentException($"The initializer '{name}' has a negative dimension ({dim}); initializers have fixed shapes.", nameof(dims));
            }

            expected = checked(expected * dim);
        }

        if (expected != count)
        {
            throw new ArgumentException(
                $"The initializer '{name}' has {count} values but its shape [{string.Join(", ", dims)}] holds {expected}.",
                nameof(dims));
        }

        Declare(name, "initializer");
        _graph.Initializer.Add(new TensorProto
        {
            Name = name,
            DataType = (int)type,
            Dims = { dims },
            RawData = ByteString.CopyFrom(bytes),
        });
        return this;
    }

    private void Declare(string name, string what)
    {
        if (!_values.Add(name))
        {
            throw new ArgumentException($"The graph already has a value named '{name}' (adding it as {what}).", nameof(name));
        }
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType elementType, long[] dims, string what)
    {
        CheckName(name, what);
        ArgumentNullException.ThrowIfNull(dims);
        if (elementType == TensorProto.Types.DataType.Undefined)
        {
            throw new ArgumentException($"The {what} '{name}' needs an element type.", nameof(elementType));
        }

        var shape = new TensorShapeProto();
        for (var axis = 0; axis < dims.Length; axis++)
        {
            var dim = dims[axis] switch
            {
                -1 => new TensorShapeProto.Types.Dimension { DimParam = $"{name}_{axis}" },
                >= 0 and var fixedSize => new TensorShapeProto.Types.Dimension { DimValue = fixedSize },
                var bad => throw new ArgumentException(
                    $"The {what} '{name}' has dimension {bad} on axis {axis}; use a size ≥ 0, or -1 for a symbolic size.", nameof(dims)),
            };
            shape.Dim.Add(dim);
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elementType, Shape = shape } },
        };
    }

    private static string CheckName(string name, string what) =>
        string.IsNullOrWhiteSpace(name) ? throw new ArgumentException($"An ONNX {what} needs a non-empty name.", nameof(name)) : name;
}
