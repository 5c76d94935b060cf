Console.WriteLine("snn");
