Console.WriteLine("antinex-node");
