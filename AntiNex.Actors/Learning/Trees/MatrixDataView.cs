using Microsoft.ML;
using Microsoft.ML.Data;

namespace AntiNex.Learning.Trees;

/// <summary>
/// Row-major float rows as an ML.NET data view, read in place: a "Features" vector column of the row width and, for
/// training, a "Label" column (Boolean for binary, a key of the class count for multi-class, Single for regression).
/// The label type follows the task, not the class count: a multi-class fit whose rows hold two classes still needs a key
/// label (ML.NET's multi-class trainers refuse a Boolean one).
/// The cursor copies each row into the caller's reused buffer, so scoring a batch allocates nothing per row.
/// </summary>
internal sealed class MatrixDataView : IDataView
{
    public const string Features = "Features";
    public const string Label = "Label";

    private readonly ReadOnlyMemory<float> _x;
    private readonly int _rows, _cols;
    private readonly float[]? _y;
    private readonly TaskKind _task;

    /// <param name="y">per row: class index (a classification task) or regression value; null for scoring.</param>
    /// <param name="classes">the key count of a multi-class label (unused otherwise).</param>
    public MatrixDataView(ReadOnlyMemory<float> x, int rows, int cols, float[]? y = null, TaskKind task = TaskKind.Regression, int classes = 0)
    {
        (_x, _rows, _cols, _y, _task) = (x, rows, cols, y, task);
        var b = new DataViewSchema.Builder();
        b.AddColumn(Features, new VectorDataViewType(NumberDataViewType.Single, cols));
        if (y is not null)
            b.AddColumn(Label, task switch
            {
                TaskKind.Regression => NumberDataViewType.Single,
                TaskKind.Binary => BooleanDataViewType.Instance,
                _ => new KeyDataViewType(typeof(uint), classes),
            });
        Schema = b.ToSchema();
    }

    public bool CanShuffle => false;
    public DataViewSchema Schema { get; }
    public long? GetRowCount() => _rows;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [new Cursor(this)];

    private sealed class Cursor(MatrixDataView view) : DataViewRowCursor
    {
        private long _position = -1;

        public override DataViewSchema Schema => view.Schema;
        public override long Position => _position;
        public override long Batch => 0;
        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override bool MoveNext() => ++_position < view._rows;

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            Delegate getter = column.Index switch
            {
                0 => (ValueGetter<VBuffer<float>>)GetFeatures,
                _ => view._task switch
                {
                    TaskKind.Regression => (ValueGetter<float>)((ref float v) => v = view._y![_position]),
                    TaskKind.Binary => (ValueGetter<bool>)((ref bool v) => v = view._y![_position] >= 0.5f),
                    _ => (ValueGetter<uint>)((ref uint v) => v = (uint)view._y![_position] + 1), // key values count from 1
                },
            };
            return getter as ValueGetter<TValue>
                ?? throw new InvalidOperationException($"column '{column.Name}' is not of type {typeof(TValue).Name}");
        }

        private void GetFeatures(ref VBuffer<float> value)
        {
            var editor = VBufferEditor.Create(ref value, view._cols);
            view._x.Span.Slice((int)_position * view._cols, view._cols).CopyTo(editor.Values);
            value = editor.Commit();
        }
    }
}
