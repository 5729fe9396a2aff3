using AntiNex.Data;
using AntiNex.Requests;

namespace AntiNex.Tests.Data;

public class DataRootsTests
{
    [Fact]
    public void Original_paths_map_by_relative_path_or_file_name()
    {
        using var t = new EngineTestData.TempRoot();
        var flat = t.Write("cleaned_attack_scans.csv", "a\n1\n");
        var nested = t.Write("v1/webapps/django/training-ready/v1_django_cleaned.csv", "a\n1\n");
        Assert.Equal(flat, t.Roots.Resolve("./tests/datasets/classification/cleaned_attack_scans.csv"));
        Assert.Equal(nested, t.Roots.Resolve("/opt/antinex/antinex-datasets/v1/webapps/django/training-ready/v1_django_cleaned.csv"));
        Assert.Equal(flat, t.Roots.Resolve(flat)); // absolute inside a root
    }

    [Fact]
    public void Later_roots_are_searched_too()
    {
        using var a = new EngineTestData.TempRoot();
        using var b = new EngineTestData.TempRoot();
        var file = b.Write("stock.csv", "a\n1\n");
        Assert.Equal(file, new DataRoots([a.Path, b.Path]).Resolve("./tests/datasets/regression/stock.csv"));
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("data/../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("/opt/antinex/../../etc/passwd")]
    public void Paths_leaving_the_roots_are_refused(string path)
    {
        using var t = new EngineTestData.TempRoot();
        var e = Assert.Throws<RequestException>(() => t.Roots.Resolve(path));
        Assert.Equal("dataset", e.Issues[0].Field);
        Assert.DoesNotContain(DataRoots.NotFoundPrefix, e.Issues[0].Message[..9]);
        Assert.DoesNotContain(t.Path, e.Message); // a remote caller learns nothing of the node's file system
    }

    [Fact]
    public void A_symlink_escaping_the_roots_is_refused()
    {
        using var t = new EngineTestData.TempRoot();
        using var outside = new EngineTestData.TempRoot();
        var secret = outside.Write("secret.csv", "a\n1\n");
        File.CreateSymbolicLink(Path.Combine(t.Path, "innocent.csv"), secret);
        Directory.CreateSymbolicLink(Path.Combine(t.Path, "linkdir"), outside.Path);
        var e1 = Assert.Throws<RequestException>(() => t.Roots.Resolve("innocent.csv"));
        Assert.Contains("symlink", e1.Message);
        Assert.DoesNotContain(outside.Path, e1.Message);
        Assert.DoesNotContain(t.Path, e1.Message);
        var e2 = Assert.Throws<RequestException>(() => t.Roots.Resolve("linkdir/secret.csv", "test_dataset"));
        Assert.Equal("test_dataset", e2.Issues[0].Field);
    }

    [Fact]
    public void A_dot_dot_in_a_link_target_steps_up_from_the_linked_folder_not_lexically()
    {
        // root/d -> outside/a/b and root/esc.csv -> "d/../secret.csv": opening esc.csv reads outside/a/secret.csv, which a
        // lexical clean-up of the target (d/.. cancelled, giving root/secret.csv) would take for a file inside the root.
        using var t = new EngineTestData.TempRoot();
        using var outside = new EngineTestData.TempRoot();
        var secret = outside.Write("a/secret.csv", "a\n42\n");
        Directory.CreateDirectory(Path.Combine(outside.Path, "a", "b"));
        t.Write("secret.csv", "a\n1\n"); // the decoy the lexical reading would name
        Directory.CreateSymbolicLink(Path.Combine(t.Path, "d"), Path.Combine(outside.Path, "a", "b"));
        var esc = Path.Combine(t.Path, "esc.csv");
        File.CreateSymbolicLink(esc, "d/../secret.csv");
        Assert.Equal("a\n42\n", File.ReadAllText(esc)); // the kernel's reading: the file outside

        Assert.Equal(DataRoots.RealPath(secret), DataRoots.RealPath(esc));
        foreach (var request in new[] { "esc.csv", esc })
        {
            var e = Assert.Throws<RequestException>(() => t.Roots.Resolve(request));
            Assert.Contains("symlink", e.Message);
            Assert.DoesNotContain(outside.Path, e.Message);
            if (request == "esc.csv") Assert.DoesNotContain(t.Path, e.Message); // the absolute request is echoed, no more
        }
    }

    [Fact]
    public void A_dot_dot_in_a_link_target_that_stays_inside_is_fine()
    {
        using var t = new EngineTestData.TempRoot();
        var real = t.Write("sub/real.csv", "a\n1\n");
        Directory.CreateDirectory(Path.Combine(t.Path, "sub", "inner"));
        Directory.CreateSymbolicLink(Path.Combine(t.Path, "d"), Path.Combine(t.Path, "sub", "inner"));
        File.CreateSymbolicLink(Path.Combine(t.Path, "ok.csv"), "d/../real.csv");
        Assert.Equal(Path.Combine(t.Path, "ok.csv"), t.Roots.Resolve("ok.csv"));
        Assert.Equal(DataRoots.RealPath(real), DataRoots.RealPath(Path.Combine(t.Path, "ok.csv")));
    }

    [Fact]
    public void Real_path_follows_relative_and_absolute_links_and_stops_at_a_loop()
    {
        using var t = new EngineTestData.TempRoot();
        var real = DataRoots.RealPath(t.Write("x/y/f.csv", "a\n1\n"));
        Directory.CreateSymbolicLink(Path.Combine(t.Path, "abs"), Path.Combine(t.Path, "x"));
        Directory.CreateSymbolicLink(Path.Combine(t.Path, "x", "up"), "..");
        Directory.CreateSymbolicLink(Path.Combine(t.Path, "rel"), "abs/up/x/./y");
        Assert.Equal(real, DataRoots.RealPath(Path.Combine(t.Path, "abs/y/f.csv")));
        Assert.Equal(real, DataRoots.RealPath(Path.Combine(t.Path, "rel/f.csv")));
        Assert.Equal(real, DataRoots.RealPath(Path.Combine(t.Path, "x/up/x/y/../y/f.csv")));

        File.CreateSymbolicLink(Path.Combine(t.Path, "loop1"), "loop2");
        File.CreateSymbolicLink(Path.Combine(t.Path, "loop2"), "loop1");
        var e = Assert.Throws<IOException>(() => DataRoots.RealPath(Path.Combine(t.Path, "loop1")));
        Assert.DoesNotContain(t.Path, e.Message);
    }

    [Fact]
    public void A_symlink_inside_the_roots_is_fine()
    {
        using var t = new EngineTestData.TempRoot();
        var real = t.Write("real/data.csv", "a\n1\n");
        File.CreateSymbolicLink(Path.Combine(t.Path, "alias.csv"), real);
        Assert.EndsWith("alias.csv", t.Roots.Resolve("alias.csv"));
    }

    [Fact]
    public void A_missing_file_says_not_found_and_what_was_tried()
    {
        using var t = new EngineTestData.TempRoot();
        var e = Assert.Throws<RequestException>(() => t.Roots.Resolve("./tests/datasets/nothing.csv"));
        Assert.StartsWith(DataRoots.NotFoundPrefix, e.Issues[0].Message);
        Assert.Contains("nothing.csv", e.Message);
        Assert.Contains("tried tests/datasets/nothing.csv, datasets/nothing.csv, nothing.csv", e.Message);
        Assert.DoesNotContain(t.Path, e.Message);
    }
}
