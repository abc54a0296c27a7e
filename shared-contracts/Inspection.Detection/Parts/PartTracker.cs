using OpenCvSharp;

namespace Inspection.Detection.Parts;

/// <summary>
/// Follows parts along the conveyor with classical image processing: the frame is shrunk, thresholded into part
/// against belt, and each connected silhouette large enough is a part in view. A silhouette is the same part as
/// one in the previous frame when its centre is where that part's speed along the belt puts it; a silhouette that
/// matches none is a new part and gets the next id; a part unseen for more than
/// <see cref="PartTrackerOptions.MaxMissedFrames"/> frames is closed. <see cref="Track"/> returns the part most in
/// view (the largest silhouette), or none for an empty belt.
/// </summary>
/// <remarks>
/// Not thread-safe: one caller, frames in order. The working images are kept between frames and the tracks live in
/// a fixed array, so a frame allocates only OpenCV's small argument wrappers.
/// </remarks>
public sealed class PartTracker : IDisposable
{
    // More silhouettes than this in one frame means the threshold is wrong, not that the belt is that full.
    private const int MaxTracks = 16;

    // How quickly a part's speed estimate follows its latest step: parts ride the belt, so speed changes slowly.
    private const float SpeedSmoothing = 0.5f;

    private readonly PartTrackerOptions _options;
    private readonly Mat _small = new();
    private readonly Mat _gray = new();
    private readonly Mat _mask = new();
    private readonly Mat _labels = new();
    private readonly Mat _stats = new();
    private readonly Mat _centroids = new();
    private readonly OpenPart[] _tracks = new OpenPart[MaxTracks];
    private readonly PartSighting[] _sightings = new PartSighting[MaxTracks];
    private readonly Blob[] _blobs = new Blob[MaxTracks];
    private readonly bool[] _blobTaken = new bool[MaxTracks];

    // Closed by the last Track or Reset: at most every open track, so the array never grows.
    private readonly long[] _closed = new long[MaxTracks];
    private int _closedCount;
    private int _trackCount;
    private int _sightingCount;
    private long _nextId = 1;

    public PartTracker(PartTrackerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <summary>Parts seen in the last frame given to <see cref="Track"/>, in frame pixels.</summary>
    public ReadOnlySpan<PartSighting> InView => _sightings.AsSpan(0, _sightingCount);

    /// <summary>
    /// Ids of the parts the last <see cref="Track"/> or <see cref="Reset"/> closed (left the view, vanished for longer
    /// than <see cref="PartTrackerOptions.MaxMissedFrames"/>, or forgotten by a reset): a caller that keeps something
    /// per part decides it now. Valid until the next call.
    /// </summary>
    public ReadOnlySpan<long> ClosedInLastFrame => _closed.AsSpan(0, _closedCount);

    /// <summary>Parts closed so far: they entered, were followed and left (or vanished).</summary>
    public long ClosedParts { get; private set; }

    /// <summary>
    /// Takes the next frame (8-bit BGR or grey, any size, the same size every frame) and returns the id of the part
    /// most in view, or null when no part is on the belt in view.
    /// </summary>
    public long? Track(Mat frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        _closedCount = 0;
        var workWidth = Math.Min(_options.WorkWidth, frame.Width);
        var workHeight = Math.Max(1, (int)Math.Round(frame.Height * (double)workWidth / frame.Width));
        var scale = (float)frame.Width / workWidth;

        // Area averaging both shrinks and smooths: camera noise and a part's texture vanish before the threshold.
        if (frame.Channels() == 1)
        {
            Cv2.Resize(frame, _gray, new Size(workWidth, workHeight), 0, 0, InterpolationFlags.Area);
        }
        else
        {
            Cv2.Resize(frame, _small, new Size(workWidth, workHeight), 0, 0, InterpolationFlags.Area);
            Cv2.CvtColor(_small, _gray, ColorConversionCodes.BGR2GRAY);
        }

        Cv2.Threshold(_gray, _mask, _options.Threshold, 255, ThresholdTypes.Binary);
        var components = Cv2.ConnectedComponentsWithStats(_mask, _labels, _stats, _centroids, PixelConnectivity.Connectivity8);

        var minArea = _options.MinAreaShare * workWidth * workHeight;
        var blobCount = 0;
        for (var label = 1; label < components && blobCount < MaxTracks; label++)
        {
            var area = _stats.At<int>(label, (int)ConnectedComponentsTypes.Area);
            if (area >= minArea)
            {
                var left = _stats.At<int>(label, (int)ConnectedComponentsTypes.Left);
                var top = _stats.At<int>(label, (int)ConnectedComponentsTypes.Top);
                var right = left + _stats.At<int>(label, (int)ConnectedComponentsTypes.Width);
                var bottom = top + _stats.At<int>(label, (int)ConnectedComponentsTypes.Height);
                _blobs[blobCount] = new Blob(
                    (float)_centroids.At<double>(label, 0),
                    (float)_centroids.At<double>(label, 1),
                    area,
                    new BoundingBox(left, top, right, bottom),
                    left > 0 && right < workWidth);
                _blobTaken[blobCount] = false;
                blobCount++;
            }
        }

        Associate(blobCount, _options.MaxStepShare * workWidth);

        _sightingCount = 0;
        long? primary = null;
        var largest = 0f;
        for (var i = 0; i < _trackCount; i++)
        {
            ref var track = ref _tracks[i];
            if (track.Missed == 0)
            {
                var area = track.Area * scale * scale;
                var box = new BoundingBox(track.Box.X1 * scale, track.Box.Y1 * scale, track.Box.X2 * scale, track.Box.Y2 * scale);
                _sightings[_sightingCount++] = new PartSighting(track.Id, track.X * scale, track.Y * scale, area, box, track.WholeInView);
                if (area > largest)
                {
                    largest = area;
                    primary = track.Id;
                }
            }
        }

        return primary;
    }

    /// <summary>
    /// Forgets every part in view (after a gap in the frames, when positions no longer follow on): they are closed and
    /// listed in <see cref="ClosedInLastFrame"/>.
    /// </summary>
    public void Reset()
    {
        _closedCount = 0;
        for (var t = 0; t < _trackCount; t++)
        {
            _closed[_closedCount++] = _tracks[t].Id;
        }

        ClosedParts += _trackCount;
        _trackCount = 0;
        _sightingCount = 0;
    }

    public void Dispose()
    {
        _small.Dispose();
        _gray.Dispose();
        _mask.Dispose();
        _labels.Dispose();
        _stats.Dispose();
        _centroids.Dispose();
    }

    private void Associate(int blobCount, double maxStep)
    {
        // Greedy nearest match per open part. Parts on a belt keep their order and never overlap, so a nearest
        // match within one step of the predicted place is unambiguous; a global assignment would buy nothing here.
        for (var t = 0; t < _trackCount; t++)
        {
            ref var track = ref _tracks[t];
            var predictedX = track.X + track.Speed;
            var best = -1;
            var bestDistance = maxStep;
            for (var b = 0; b < blobCount; b++)
            {
                if (_blobTaken[b])
                {
                    continue;
                }

                var distance = Math.Abs(_blobs[b].X - predictedX);
                if (distance <= bestDistance && Math.Abs(_blobs[b].Y - track.Y) <= maxStep)
                {
                    best = b;
                    bestDistance = distance;
                }
            }

            if (best < 0)
            {
                // Keep it moving with the belt so it is found where it reappears after a missed frame.
                track.X += track.Speed;
                track.Missed++;
                continue;
            }

            _blobTaken[best] = true;
            var blob = _blobs[best];
            track.Speed = (SpeedSmoothing * (blob.X - track.X)) + ((1 - SpeedSmoothing) * track.Speed);
            track.X = blob.X;
            track.Y = blob.Y;
            track.Area = blob.Area;
            track.Box = blob.Box;
            track.WholeInView = blob.WholeInView;
            track.Missed = 0;
        }

        // Close parts unseen for too long, keeping the array packed.
        var kept = 0;
        for (var t = 0; t < _trackCount; t++)
        {
            if (_tracks[t].Missed > _options.MaxMissedFrames)
            {
                _closed[_closedCount++] = _tracks[t].Id;
                ClosedParts++;
            }
            else
            {
                _tracks[kept++] = _tracks[t];
            }
        }

        _trackCount = kept;

        for (var b = 0; b < blobCount && _trackCount < MaxTracks; b++)
        {
            if (!_blobTaken[b])
            {
                var blob = _blobs[b];
                _tracks[_trackCount++] = new OpenPart
                {
                    Id = _nextId++, X = blob.X, Y = blob.Y, Area = blob.Area, Box = blob.Box, WholeInView = blob.WholeInView,
                };
            }
        }
    }

    private struct OpenPart
    {
        public long Id;
        public float X;
        public float Y;
        public float Area;
        public float Speed;
        public int Missed;
        public BoundingBox Box;
        public bool WholeInView;
    }

    /// <summary>One silhouette of the current frame, in work-image pixels.</summary>
    private readonly record struct Blob(float X, float Y, float Area, BoundingBox Box, bool WholeInView);
}
