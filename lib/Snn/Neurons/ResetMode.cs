namespace Snn.Neurons;

/// <summary>How the membrane is reset after a spike.</summary>
public enum ResetMode
{
    /// <summary>u[t] = β·u[t−1]·(1 − s[t−1]) + I[t]: a spike sets the membrane to zero.</summary>
    Hard,
    /// <summary>u[t] = β·u[t−1] − θ·s[t−1] + I[t]: a spike subtracts the threshold.</summary>
    Soft,
}
