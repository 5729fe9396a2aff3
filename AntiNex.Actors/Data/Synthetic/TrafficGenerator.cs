using S = AntiNex.Data.Synthetic.TrafficSchema;

namespace AntiNex.Data.Synthetic;

/// <summary>
/// Produces one labelled, packet-like row at a time (see README "Synthetic traffic"). Rows come in bursts, like a
/// capture: a benign burst is one conversation (a TCP session, a DNS exchange, pings, ARP), an attack burst is one
/// probe run (a SYN/FIN/NULL/XMAS port scan, an OS probe, a UDP scan, a ping sweep, an ARP sweep, a web attack).
///
/// What separates attacks from benign traffic, and where the two overlap on purpose:
/// <list type="bullet">
/// <item>port scans hit many distinct destination ports (top ports, or any port), from one fixed source port per run;
/// benign TCP talks to a dozen service ports from ephemeral ports;</item>
/// <item>scan probes are small (ip_len 40/44/60) with scanner-style options (MSS only, or none; the OS probe's odd
/// window scale 10 and MSS 265); benign SYNs carry the full Linux set (MSS, SAckOK, Timestamp, NOP, WScale 7) and
/// benign data segments are larger;</item>
/// <item>UDP scans send empty or tiny datagrams to many ports; benign UDP is DNS;</item>
/// <item>overlap: ARP sweeps are plain who-has requests, like benign ARP; some ping sweeps use the default 56-byte
/// payload; web attacks are ordinary-looking HTTP segments to service ports; load-balancer health checks are benign
/// MSS-only SYNs to service ports. A per-row model cannot separate those, so the best accuracy is below 100 %.</item>
/// </list>
/// Deterministic: the same seed and attack fraction give the same rows.
/// </summary>
public sealed class TrafficGenerator
{
    private const double BenignBurstMean = 10;
    private const double AttackBurstMean = 8;

    private static readonly (int Port, double Weight)[] ServicePorts =
    [
        (443, 34), (80, 18), (8080, 14), (22, 8), (5432, 5), (6379, 5), (3306, 4), (25, 3), (8443, 3), (9200, 2), (53, 2),
        (8000, 2),
    ];

    // The well-known ports a scanner tries first (a small stand-in for nmap's top-ports list).
    private static readonly int[] TopPorts =
    [
        21, 22, 23, 25, 53, 80, 110, 111, 135, 139, 143, 443, 445, 993, 995, 1723, 3306, 3389, 5900, 8080, 1025, 587,
        8443, 8888, 199, 1720, 465, 548, 113, 81, 6001, 10000, 514, 5060, 179, 1026, 2000, 8000, 32768, 554, 26, 1433,
        49152, 2001, 515, 8008, 49154, 1027, 5666, 646, 5000, 5631, 631, 49153, 8081, 2049, 88, 79, 5800, 106, 2121,
        1110, 49155, 6000, 513, 990, 5357, 427, 49156, 543, 544, 5101, 144, 7, 389, 5432, 6379, 9200, 11211, 27017,
    ];

    private static readonly int[] UdpScanPorts =
        [53, 67, 68, 69, 123, 135, 137, 138, 139, 161, 162, 445, 500, 514, 520, 631, 1434, 1900, 4500, 5353, 49152];

    // Weighted value tables (static: the generator allocates nothing per row).
    private static readonly (long, double)[] OsProbeWindowScales = [(10, 5), (15, 1), (5, 1), (0, 1)];
    private static readonly (long, double)[] OsProbeMss = [(1460, 3), (265, 2), (640, 1), (536, 1)];
    private static readonly (long, double)[] WebPorts = [(8080, 5), (80, 3), (443, 2)];
    private static readonly (long, double)[] BenignTos = [(0, 85), (16, 5), (40, 5), (184, 5)];
    private static readonly (long, double)[] Ipv6HopLimits = [(64, 6), (255, 1), (128, 1)];

    private enum BenignKind { TcpSession, Ipv6Session, Dns, Ping, Arp, HealthCheck }
    private enum AttackKind { SynScan, StealthScan, OsProbe, UdpScan, PingSweep, ArpSweep, WebAttack }

    private static readonly (BenignKind, double)[] BenignMix =
    [
        (BenignKind.TcpSession, 68), (BenignKind.Ipv6Session, 5), (BenignKind.Dns, 15), (BenignKind.Ping, 4),
        (BenignKind.Arp, 7), (BenignKind.HealthCheck, 1),
    ];

    private static readonly (AttackKind, double)[] AttackMix =
    [
        (AttackKind.SynScan, 52), (AttackKind.StealthScan, 6), (AttackKind.OsProbe, 7), (AttackKind.UdpScan, 15),
        (AttackKind.PingSweep, 11), (AttackKind.ArpSweep, 2), (AttackKind.WebAttack, 7),
    ];

    private readonly SeededRandom _rng;
    private readonly double _attackFraction;
    private readonly double _attackBurstProbability;
    private long _rowsWritten, _attacksWritten;

    // The current burst: its kind and the values its rows share.
    private bool _burstIsAttack;
    private int _burstLeft;
    private BenignKind _benignKind;
    private AttackKind _attackKind;
    private long _servicePort, _clientPort, _scanSourcePort, _clock, _mss, _icmpId, _icmpSeq, _flowLabel, _scanCursor;
    private bool _clientUsesTimestamps;

    public TrafficGenerator(long seed, double attackFraction)
    {
        if (double.IsNaN(attackFraction) || attackFraction < 0 || attackFraction > 1)
            throw new ArgumentOutOfRangeException(nameof(attackFraction), attackFraction,
                "attack fraction must be between 0 and 1");
        _rng = new SeededRandom(seed);
        _attackFraction = attackFraction;
        // Bursts have different mean lengths; pick the burst probability that yields the requested row fraction.
        double f = attackFraction;
        _attackBurstProbability = f <= 0 ? 0 : f >= 1 ? 1
            : f * BenignBurstMean / (f * BenignBurstMean + (1 - f) * AttackBurstMean);
    }

    /// <summary>The kind of burst the last row came from (e.g. "attack:SynScan"): for diagnostics and tests.</summary>
    public string LastKind => _burstIsAttack ? $"attack:{_attackKind}" : $"benign:{_benignKind}";

    public long RowsWritten => _rowsWritten;
    public long AttacksWritten => _attacksWritten;

    /// <summary>Fills <paramref name="row"/> (length = <see cref="TrafficSchema.Columns"/>.Count) with the next row.</summary>
    public void Next(long[] row)
    {
        if (row.Length != S.Columns.Count)
            throw new ArgumentException($"row must have {S.Columns.Count} values", nameof(row));
        if (_burstLeft <= 0) StartBurst();
        _burstLeft--;

        Array.Fill(row, S.Missing);
        row[S.Idx] = _rowsWritten;
        if (_burstIsAttack) FillAttack(row); else FillBenign(row);
        row[S.Label] = _burstIsAttack ? 1 : 0;

        _rowsWritten++;
        if (_burstIsAttack) _attacksWritten++;
    }

    private void StartBurst()
    {
        // Nudge the draw towards the target so the class balance holds closely even on small files.
        double deficit = _attackFraction * _rowsWritten - _attacksWritten;
        double p = _attackBurstProbability <= 0 || _attackBurstProbability >= 1
            ? _attackBurstProbability
            : Math.Clamp(_attackBurstProbability + deficit / 200.0, 0.01, 0.99);
        _burstIsAttack = _rng.Chance(p);
        _burstLeft = _rng.Geometric(_burstIsAttack ? AttackBurstMean : BenignBurstMean);

        _servicePort = _rng.Pick(ServicePorts);
        _clientPort = _rng.Between(32768, 60999);
        _scanSourcePort = _rng.Between(1024, 65535);
        _clock = _rng.Between(10_000_000, 4_000_000_000);
        _mss = _rng.Chance(0.9) ? 1460 : 65495; // 65495: loopback captures, as in the original data
        _icmpId = _rng.Between(1, 65535);
        _icmpSeq = _rng.Between(0, 200);
        _flowLabel = _rng.Between(0, 1_048_575);
        _scanCursor = _rng.Between(1, 60000);
        _clientUsesTimestamps = _rng.Chance(0.95);
        if (_burstIsAttack) _attackKind = _rng.Pick(AttackMix); else _benignKind = _rng.Pick(BenignMix);
    }

    // ---- benign -------------------------------------------------------------------------------------------------

    private void FillBenign(long[] row)
    {
        switch (_benignKind)
        {
            case BenignKind.TcpSession: Ipv4(row, TcpSessionSegment(row)); break;
            case BenignKind.Ipv6Session: Ipv6(row, TcpSessionSegment(row), nextHeader: 6); break;
            case BenignKind.Dns: Ipv4(row, Dns(row)); break;
            case BenignKind.Ping: Ipv4(row, Icmp(row, type: _rng.Chance(0.5) ? 8 : 0, payload: 56)); break;
            case BenignKind.Arp: Arp(row, op: _rng.Chance(0.5) ? 1 : 2); break;
            case BenignKind.HealthCheck:
                // A load balancer's bare SYN to a service port: scanner-like options, but one well-known port.
                Ipv4(row, TcpProbe(row, dport: _servicePort, sport: _rng.Between(32768, 60999), mssOnly: true));
                break;
        }
    }

    /// <summary>A segment of an ordinary TCP conversation; returns the TCP header + payload length.</summary>
    private long TcpSessionSegment(long[] row)
    {
        bool toServer = _rng.Chance(0.5);
        row[S.TcpDport] = toServer ? _servicePort : _clientPort;
        row[S.TcpSport] = toServer ? _clientPort : _servicePort;
        row[S.TcpSeq] = _rng.Between(0, uint.MaxValue);
        _clock += _rng.Between(0, 40);

        double kind = _rng.NextDouble();
        if (kind < 0.08)
        {
            // SYN or SYN-ACK: the full Linux option set.
            row[S.TcpMss] = _mss; row[S.TcpSackOk] = 1; row[S.TcpNop] = 1; row[S.TcpWScale] = 7;
            row[S.TcpTimestamp] = _clock;
            return 40;
        }

        long header = 20;
        if (_clientUsesTimestamps) { row[S.TcpNop] = 1; row[S.TcpTimestamp] = _clock; header = 32; }
        if (kind < 0.40) return header; // pure ACK
        // Data: log-normal payloads, small requests and larger responses, capped by the MSS (loopback captures carry
        // jumbo segments, as in the original).
        double payload = toServer ? _rng.LogNormal(median: 300, sigma: 0.8) : _rng.LogNormal(median: 700, sigma: 1.1);
        return header + (long)Math.Clamp(payload, 1, _mss == 65495 ? 16000 : 1448);
    }

    private long Dns(long[] row)
    {
        bool response = _rng.Chance(0.5);
        long ephemeral = _clientPort;
        row[S.UdpDport] = response ? ephemeral : 53;
        row[S.UdpSport] = response ? 53 : ephemeral;
        long answers = response ? _rng.Between(1, 4) : 0;
        row[S.DnsId] = _rng.Between(0, 65535);
        row[S.DnsQr] = response ? 1 : 0;
        row[S.DnsOpcode] = 0;
        row[S.DnsAa] = response && _rng.Chance(0.2) ? 1 : 0;
        row[S.DnsTc] = 0;
        row[S.DnsRd] = 1;
        row[S.DnsRa] = response ? 1 : 0;
        row[S.DnsZ] = 0;
        row[S.DnsAd] = _rng.Chance(0.3) ? 1 : 0;
        row[S.DnsCd] = 0;
        row[S.DnsRcode] = response && _rng.Chance(0.06) ? 3 : 0;
        row[S.DnsQdcount] = 1;
        row[S.DnsAncount] = answers;
        row[S.DnsNscount] = response && _rng.Chance(0.3) ? 1 : 0;
        row[S.DnsArcount] = _rng.Chance(0.5) ? 1 : 0;
        long dnsBytes = 12 + _rng.Between(16, 40) + answers * _rng.Between(16, 28) + 11 * row[S.DnsArcount];
        row[S.UdpLen] = 8 + dnsBytes;
        return row[S.UdpLen];
    }

    // ---- attacks ------------------------------------------------------------------------------------------------

    private void FillAttack(long[] row)
    {
        switch (_attackKind)
        {
            case AttackKind.SynScan:
                Ipv4(row, TcpProbe(row, NextScanPort(), _scanSourcePort, mssOnly: true));
                break;
            case AttackKind.StealthScan:
                // FIN / NULL / XMAS probes: no options at all.
                Ipv4(row, TcpProbe(row, NextScanPort(), _scanSourcePort, mssOnly: false));
                break;
            case AttackKind.OsProbe:
                Ipv4(row, OsProbe(row));
                break;
            case AttackKind.UdpScan:
                row[S.UdpDport] = _rng.Chance(0.7) ? UdpScanPorts[_rng.Between(0, UdpScanPorts.Length - 1)] : _rng.Between(1, 65535);
                row[S.UdpSport] = _scanSourcePort;
                row[S.UdpLen] = 8 + (_rng.Chance(0.6) ? 0 : _rng.Between(1, 48));
                Ipv4(row, row[S.UdpLen]);
                break;
            case AttackKind.PingSweep:
                // Mostly empty echo requests and timestamp requests; a quarter use ping's default size (overlap).
                if (_rng.Chance(0.2))
                {
                    Ipv4(row, Icmp(row, type: 13, payload: 12));
                    row[S.IcmpTsOri] = _clock % 86_400_000; row[S.IcmpTsRx] = 0; row[S.IcmpTsTx] = 0;
                }
                else Ipv4(row, Icmp(row, type: 8, payload: _rng.Chance(0.25) ? 56 : 0));
                break;
            case AttackKind.ArpSweep:
                Arp(row, op: 1); // who-has, exactly like a benign request
                break;
            case AttackKind.WebAttack:
                Ipv4(row, WebAttackSegment(row));
                break;
        }
    }

    private long NextScanPort()
    {
        // Runs alternate between sequential sweeps, top-port lists and random ports.
        double r = _rng.NextDouble();
        if (r < 0.55) return TopPorts[_rng.Between(0, TopPorts.Length - 1)];
        if (r < 0.80) return _scanCursor = _scanCursor >= 65535 ? 1 : _scanCursor + 1;
        return _rng.Between(1, 65535);
    }

    /// <summary>A bare probe: SYN with MSS only (ip_len 44), or no options (ip_len 40).</summary>
    private long TcpProbe(long[] row, long dport, long sport, bool mssOnly)
    {
        row[S.TcpDport] = dport;
        row[S.TcpSport] = sport;
        row[S.TcpSeq] = _rng.Between(0, uint.MaxValue);
        if (!mssOnly) return 20;
        row[S.TcpMss] = _rng.Chance(0.85) ? 1460 : 1024;
        return 24;
    }

    /// <summary>An OS-fingerprinting probe: unusual window scale / MSS and a saturated timestamp.</summary>
    private long OsProbe(long[] row)
    {
        row[S.TcpDport] = _rng.Chance(0.6) ? _servicePort : NextScanPort();
        row[S.TcpSport] = _scanSourcePort;
        row[S.TcpSeq] = _rng.Between(0, uint.MaxValue);
        row[S.TcpWScale] = _rng.Pick(OsProbeWindowScales);
        row[S.TcpNop] = 1;
        row[S.TcpMss] = _rng.Pick(OsProbeMss);
        row[S.TcpTimestamp] = _rng.Chance(0.6) ? uint.MaxValue : _clock;
        row[S.TcpSackOk] = _rng.Chance(0.7) ? 1 : S.Missing;
        return 40;
    }

    /// <summary>An HTTP request carrying an injection / traversal payload: ordinary TCP, a little larger than usual.</summary>
    private long WebAttackSegment(long[] row)
    {
        bool toServer = _rng.Chance(0.95);
        long webPort = _rng.Pick(WebPorts);
        row[S.TcpDport] = toServer ? webPort : _clientPort;
        row[S.TcpSport] = toServer ? _clientPort : webPort;
        row[S.TcpSeq] = _rng.Between(0, uint.MaxValue);
        _clock += _rng.Between(0, 5);
        row[S.TcpNop] = 1;
        row[S.TcpTimestamp] = _clock;
        if (_rng.Chance(0.05)) return 32; // ACK
        // Requests carrying long injection / traversal strings, near a full segment; the replies look like any
        // response (overlap).
        double payload = toServer ? _rng.LogNormal(median: 1300, sigma: 0.12) : _rng.LogNormal(median: 700, sigma: 1.1);
        return 32 + (long)Math.Clamp(payload, 1, _mss == 65495 ? 16000 : 1448);
    }

    // ---- layers -------------------------------------------------------------------------------------------------

    private long Icmp(long[] row, long type, long payload)
    {
        row[S.IcmpType] = type;
        row[S.IcmpCode] = 0;
        row[S.IcmpId] = _icmpId;
        row[S.IcmpSeq] = _icmpSeq++;
        return 8 + payload;
    }

    private void Ipv4(long[] row, long transportBytes)
    {
        row[S.EthType] = 2048;
        row[S.IpVersion] = 4;
        row[S.IpIhl] = 5;
        row[S.IpTos] = _burstIsAttack ? 0 : _rng.Pick(BenignTos);
        row[S.IpLen] = 20 + transportBytes;
    }

    private void Ipv6(long[] row, long transportBytes, long nextHeader)
    {
        row[S.EthType] = 34525;
        row[S.Ipv6Version] = 6;
        row[S.Ipv6Tc] = 0;
        row[S.Ipv6Fl] = _flowLabel;
        row[S.Ipv6Nh] = nextHeader;
        row[S.Ipv6Hlim] = _rng.Pick(Ipv6HopLimits);
        row[S.Ipv6Plen] = transportBytes;
    }

    private static void Arp(long[] row, long op)
    {
        row[S.EthType] = 2054;
        row[S.ArpHwtype] = 1; row[S.ArpPtype] = 2048; row[S.ArpHwlen] = 6; row[S.ArpPlen] = 4;
        row[S.ArpOp] = op;
    }
}
