Console.WriteLine("antinex-gateway");
