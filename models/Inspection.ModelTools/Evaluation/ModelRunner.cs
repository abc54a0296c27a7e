using Inspection.ModelTools.Line;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;

namespace Inspection.ModelTools.Evaluation;

/// <summary>
/// Runs one of the project's detection models over frames with ONNX Runtime (CPU), doing the Ultralytics
/// preprocessing (letterbox to the square input with grey 114 padding, BGR→RGB, 0–1), and answers
/// "what is the highest class score over this region of the frame".
/// </summary>
public sealed class ModelRunner : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string _inputName;
    private readonly float[] _input;
    private readonly int _grid;
    private readonly int _classes;

    /// <param name="modelPath">A model in the layout <c>[1, 4 + nc, N]</c> with a square single-scale grid.</param>
    public ModelRunner(string modelPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelPath);
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"No model at '{modelPath}'; build one with 'build --out models'.", modelPath);
        }

        _session = new InferenceSession(modelPath);
        var input = _session.InputMetadata.Single();
        _inputName = input.Key;
        InputSize = input.Value.Dimensions[3];
        var output = _session.OutputMetadata.Single().Value.Dimensions;
        _classes = output[1] - 4;
        var cells = output[2];
        _grid = (int)Math.Round(Math.Sqrt(cells));
        if (_grid * _grid != cells || _classes < 1)
        {
            throw new InvalidDataException($"'{modelPath}' has output shape [{string.Join(", ", output)}]; expected [1, 4 + classes, grid²].");
        }

        Stride = InputSize / _grid;
        _input = new float[3 * InputSize * InputSize];
        Scores = new float[_classes * cells];
    }

    public int InputSize { get; }

    public int Stride { get; }

    /// <summary>Class scores of the last frame, [class][cell], cells row-major.</summary>
    public float[] Scores { get; }

    private double Ratio { get; set; }

    private double PadX { get; set; }

    private double PadY { get; set; }

    /// <summary>Runs the model on an 8-bit BGR frame; read results with <see cref="MaxScore"/>.</summary>
    public void Run(Mat bgrFrame)
    {
        ArgumentNullException.ThrowIfNull(bgrFrame);
        Ratio = Math.Min((double)InputSize / bgrFrame.Width, (double)InputSize / bgrFrame.Height);
        var width = (int)Math.Round(bgrFrame.Width * Ratio);
        var height = (int)Math.Round(bgrFrame.Height * Ratio);
        PadX = (InputSize - width) / 2.0;
        PadY = (InputSize - height) / 2.0;
        using var resized = new Mat();
        Cv2.Resize(bgrFrame, resized, new Size(width, height), 0, 0, InterpolationFlags.Linear);
        using var boxed = new Mat();
        var top = (int)Math.Round(PadY - 0.1);
        var left = (int)Math.Round(PadX - 0.1);
        Cv2.CopyMakeBorder(resized, boxed, top, InputSize - height - top, left, InputSize - width - left, BorderTypes.Constant, Scalar.All(114));
        boxed.GetArray(out Vec3b[] bgr);
        var plane = InputSize * InputSize;
        for (var i = 0; i < plane; i++)
        {
            _input[i] = bgr[i].Item2 / 255f;
            _input[plane + i] = bgr[i].Item1 / 255f;
            _input[(2 * plane) + i] = bgr[i].Item0 / 255f;
        }

        using var tensor = OrtValue.CreateTensorValueFromMemory(_input, [1, 3, InputSize, InputSize]);
        using var results = _session.Run(_runOptions, [_inputName], [tensor], _session.OutputNames);
        var output = results[0].GetTensorDataAsSpan<float>();
        var cells = _grid * _grid;
        output.Slice(4 * cells, _classes * cells).CopyTo(Scores);
    }

    /// <summary>
    /// The highest score of <paramref name="classId"/> (or of any class when null) over the cells that
    /// overlap the frame rectangle, or whose centre lies in the region when <paramref name="inside"/> is given.
    /// </summary>
    public float MaxScore(int? classId, double x1, double y1, double x2, double y2, Func<double, double, bool>? inside = null)
    {
        var cells = _grid * _grid;
        var best = 0f;
        for (var row = 0; row < _grid; row++)
        {
            for (var col = 0; col < _grid; col++)
            {
                // Cell rectangle in frame pixels.
                var cx1 = ((col * Stride) - PadX) / Ratio;
                var cy1 = ((row * Stride) - PadY) / Ratio;
                var cx2 = (((col + 1) * Stride) - PadX) / Ratio;
                var cy2 = (((row + 1) * Stride) - PadY) / Ratio;
                if (inside is not null)
                {
                    if (!inside((cx1 + cx2) / 2, (cy1 + cy2) / 2))
                    {
                        continue;
                    }
                }
                else if (cx2 <= x1 || cx1 >= x2 || cy2 <= y1 || cy1 >= y2)
                {
                    continue;
                }

                for (var c = 0; c < _classes; c++)
                {
                    if (classId is null || classId == c)
                    {
                        best = Math.Max(best, Scores[(c * cells) + (row * _grid) + col]);
                    }
                }
            }
        }

        return best;
    }

    /// <summary>Highest score of any class over a part's plate.</summary>
    public float MaxScoreOnPart(PartPlacement part, int? classId = null) =>
        MaxScore(classId, 0, 0, 0, 0, (x, y) => part.Contains((float)x, (float)y));

    public void Dispose()
    {
        _runOptions.Dispose();
        _session.Dispose();
    }
}
