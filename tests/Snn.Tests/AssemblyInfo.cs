// TorchSharp has process-wide state (the global RNG that tests seed, autograd-function bookkeeping):
// tests run one at a time so seeds mean something and no two threads share that state.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
