// The AntiNex feature schema of the original "training-ready" web-app captures (v1_<app>_cleaned.csv):
// 67 features (idx first) followed by label_value. Missing protocol fields are -1, as in the original.
namespace AntiNex.Data.Synthetic;

public static class TrafficSchema
{
    public const string LabelColumn = "label_value";
    public const string RowIndexColumn = "idx";
    /// <summary>The value the original captures use for a field the packet does not have.</summary>
    public const long Missing = -1;

    /// <summary>Every CSV column in file order: the 67 features of the original Django request, then label_value.</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "idx",
        "arp_hwlen", "arp_hwtype", "arp_id", "arp_op", "arp_plen", "arp_ptype",
        "dns_default_aa", "dns_default_ad", "dns_default_an", "dns_default_ancount", "dns_default_ar",
        "dns_default_arcount", "dns_default_cd", "dns_default_id", "dns_default_length", "dns_default_ns",
        "dns_default_nscount", "dns_default_opcode", "dns_default_qd", "dns_default_qdcount", "dns_default_qr",
        "dns_default_ra", "dns_default_rcode", "dns_default_rd", "dns_default_tc", "dns_default_z",
        "dns_id", "eth_id", "eth_type",
        "icmp_addr_mask", "icmp_code", "icmp_gw", "icmp_id", "icmp_ptr", "icmp_seq", "icmp_ts_ori", "icmp_ts_rx",
        "icmp_ts_tx", "icmp_type", "icmp_unused",
        "ip_id", "ip_ihl", "ip_len", "ip_tos", "ip_version",
        "ipv6_fl", "ipv6_hlim", "ipv6_nh", "ipv6_plen", "ipv6_tc", "ipv6_version", "ipvsix_id", "pad_id",
        "tcp_dport", "tcp_fields_options.MSS", "tcp_fields_options.NOP", "tcp_fields_options.SAckOK",
        "tcp_fields_options.Timestamp", "tcp_fields_options.WScale", "tcp_id", "tcp_seq", "tcp_sport",
        "udp_dport", "udp_id", "udp_len", "udp_sport",
        LabelColumn,
    ];

    /// <summary>The 66 columns a model should learn from: every column except the row counter and the label.</summary>
    public static IReadOnlyList<string> Features { get; } =
        Columns.Where(c => c != RowIndexColumn && c != LabelColumn).ToArray();

    public static int IndexOf(string column)
    {
        for (int i = 0; i < Columns.Count; i++)
            if (Columns[i] == column) return i;
        throw new ArgumentException($"'{column}' is not a column of the AntiNex traffic schema.", nameof(column));
    }

    // Column positions used by the generator (resolved once, by name, so the list above stays the single truth).
    internal static readonly int Idx = IndexOf("idx");
    internal static readonly int ArpHwlen = IndexOf("arp_hwlen"), ArpHwtype = IndexOf("arp_hwtype"),
        ArpOp = IndexOf("arp_op"), ArpPlen = IndexOf("arp_plen"), ArpPtype = IndexOf("arp_ptype");
    internal static readonly int DnsAa = IndexOf("dns_default_aa"), DnsAd = IndexOf("dns_default_ad"),
        DnsAncount = IndexOf("dns_default_ancount"), DnsArcount = IndexOf("dns_default_arcount"),
        DnsCd = IndexOf("dns_default_cd"), DnsId = IndexOf("dns_default_id"), DnsNscount = IndexOf("dns_default_nscount"),
        DnsOpcode = IndexOf("dns_default_opcode"), DnsQdcount = IndexOf("dns_default_qdcount"),
        DnsQr = IndexOf("dns_default_qr"), DnsRa = IndexOf("dns_default_ra"), DnsRcode = IndexOf("dns_default_rcode"),
        DnsRd = IndexOf("dns_default_rd"), DnsTc = IndexOf("dns_default_tc"), DnsZ = IndexOf("dns_default_z");
    internal static readonly int EthType = IndexOf("eth_type");
    internal static readonly int IcmpCode = IndexOf("icmp_code"), IcmpId = IndexOf("icmp_id"), IcmpSeq = IndexOf("icmp_seq"),
        IcmpTsOri = IndexOf("icmp_ts_ori"), IcmpTsRx = IndexOf("icmp_ts_rx"), IcmpTsTx = IndexOf("icmp_ts_tx"),
        IcmpType = IndexOf("icmp_type"), IcmpUnused = IndexOf("icmp_unused");
    internal static readonly int IpIhl = IndexOf("ip_ihl"), IpLen = IndexOf("ip_len"), IpTos = IndexOf("ip_tos"),
        IpVersion = IndexOf("ip_version");
    internal static readonly int Ipv6Fl = IndexOf("ipv6_fl"), Ipv6Hlim = IndexOf("ipv6_hlim"), Ipv6Nh = IndexOf("ipv6_nh"),
        Ipv6Plen = IndexOf("ipv6_plen"), Ipv6Tc = IndexOf("ipv6_tc"), Ipv6Version = IndexOf("ipv6_version");
    internal static readonly int TcpDport = IndexOf("tcp_dport"), TcpMss = IndexOf("tcp_fields_options.MSS"),
        TcpNop = IndexOf("tcp_fields_options.NOP"), TcpSackOk = IndexOf("tcp_fields_options.SAckOK"),
        TcpTimestamp = IndexOf("tcp_fields_options.Timestamp"), TcpWScale = IndexOf("tcp_fields_options.WScale"),
        TcpSeq = IndexOf("tcp_seq"), TcpSport = IndexOf("tcp_sport");
    internal static readonly int UdpDport = IndexOf("udp_dport"), UdpLen = IndexOf("udp_len"), UdpSport = IndexOf("udp_sport");
    internal static readonly int Label = IndexOf(LabelColumn);
}
