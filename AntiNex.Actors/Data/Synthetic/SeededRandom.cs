namespace AntiNex.Data.Synthetic;

/// <summary>
/// xoshiro256** seeded through SplitMix64. Our own generator rather than System.Random so that the bytes a seed
/// produces are fixed by this file alone, on every runtime and platform.
/// </summary>
internal sealed class SeededRandom
{
    private ulong _s0, _s1, _s2, _s3;

    public SeededRandom(long seed)
    {
        ulong x = unchecked((ulong)seed);
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = unchecked(x += 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    public ulong NextULong()
    {
        ulong result = unchecked(RotateLeft(_s1 * 5, 7) * 9);
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3; _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [minInclusive, maxInclusive].</summary>
    public long Between(long minInclusive, long maxInclusive)
    {
        ulong range = (ulong)(maxInclusive - minInclusive) + 1;
        return minInclusive + (long)(NextULong() % range); // modulo bias is irrelevant at these ranges
    }

    public bool Chance(double probability) => NextDouble() < probability;

    /// <summary>Standard normal (Box-Muller; one value per call keeps the stream simple).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Log-normal with the given median and log-space sigma.</summary>
    public double LogNormal(double median, double sigma) => median * Math.Exp(sigma * NextGaussian());

    /// <summary>Picks an item with probability proportional to its weight.</summary>
    public T Pick<T>(IReadOnlyList<(T Item, double Weight)> weighted)
    {
        double total = 0;
        for (int i = 0; i < weighted.Count; i++) total += weighted[i].Weight;
        double r = NextDouble() * total;
        for (int i = 0; i < weighted.Count; i++)
        {
            r -= weighted[i].Weight;
            if (r < 0) return weighted[i].Item;
        }
        return weighted[^1].Item;
    }

    /// <summary>Geometric number of trials (>= 1) with the given mean.</summary>
    public int Geometric(double mean)
    {
        if (mean <= 1) return 1;
        double p = 1.0 / mean;
        return 1 + (int)Math.Floor(Math.Log(1.0 - NextDouble()) / Math.Log(1.0 - p));
    }
}
