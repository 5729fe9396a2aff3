namespace AntiNex.Requests;

/// <summary>Learning-rate schedule: reduce_on_plateau (on the validation loss, else the training loss), cosine or step.</summary>
public sealed record LrSchedule(string Kind, double Factor = 0.5, int Patience = 2, double MinLr = 1e-6, int StepSize = 5, double Gamma = 0.5);
